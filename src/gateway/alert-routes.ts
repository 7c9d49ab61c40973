import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusAlert, errors, parseJson, parseQualifiedName, toSluiceError } from '../api/index.js';
import { scaleForAlert } from '../provider/index.js';
import { readText, sendStatus, type BodyLimit } from '../watchdog/index.js';
import type { SystemContext } from './system-routes.js';

/** AlertManager batches a group's alerts into one body: small. */
const ALERT_LIMIT: BodyLimit = { bytes: 1024 * 1024, setting: 'the 1 MiB limit of /system JSON bodies' };

const EXAMPLE = '{"alerts":[{"status":"firing","labels":{"alertname":"APIHighInvocationRate","function_name":"NAME"}}]}';

type Handler = (ctx: SystemContext, req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * `POST /system/alert` (reference §1.2, §5.4): AlertManager's webhook, OpenFaaS CE's autoscaling.
 * Each alert naming a `function_name` scales that function as the built-in rule does
 * (`scaleForAlert`); 200 once all were acted on, else 500 listing the ones that failed.
 */
export const alertRoutes: Record<string, Record<string, Handler>> = {
  '/system/alert': {
    POST: async (ctx, req, res) => {
      const text = await readText(req, ALERT_LIMIT);
      if (!text.trim()) throw errors.badRequest(`POST /system/alert needs a body: AlertManager's webhook JSON, e.g. ${EXAMPLE}`);
      const { alerts } = parseJson(PrometheusAlert, text);
      const failures: string[] = [];
      for (const [i, alert] of alerts.entries()) {
        const fn = alert.labels?.function_name;
        // Another rule's alert in the same group (OpenFaaS's `service_down`): nothing to scale, as in OpenFaaS.
        if (!fn) continue;
        try {
          await scaleForAlert(ctx.provider, parseQualifiedName(fn), alert.status);
        } catch (err) {
          failures.push(`[${i}] ${fn}: ${toSluiceError(err).message}`);
        }
      }
      if (failures.length) throw errors.alertsFailed(failures);
      sendStatus(res, 200);
    },
  },
};
