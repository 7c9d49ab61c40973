import type { Command } from 'commander';
import { contextOf } from '../_context.js';
import { UsageError } from '../_errors.js';
import type { CliIo } from '../_io.js';

/** Shells `sluice completion` writes a script for. */
const SHELLS = ['bash', 'zsh'] as const;
type Shell = (typeof SHELLS)[number];

/** One command of the tree: its path of canonical names, what may follow it, and how it may be spelled. */
interface CommandNode {
  /** Canonical names from the root, space-separated; '' for `sluice` itself. */
  path: string;
  /** Names and aliases by which the parent reaches this command. */
  spellings: string[];
  /** Subcommand names and aliases, then flags: the words offered after this command. */
  words: string[];
}

/** Registers `sluice completion bash|zsh`. */
export function registerCompletion(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('print a shell completion script: source <(sluice completion bash)')
    .argument('<shell>', `one of: ${SHELLS.join(', ')}`)
    .action((shell: string, _opts: unknown, cmd: Command) => {
      const ctx = contextOf(cmd, io);
      if (!isShell(shell)) throw new UsageError(`no completion for ${shell}: use one of ${SHELLS.join(', ')}`);
      // The root program, not this command: the script covers every command, this one included.
      let root = cmd;
      while (root.parent) root = root.parent;
      ctx.out.text(completionScript(root, shell));
    });
}

/**
 * The completion script for `program`, built from its commands and options as they are now, so it
 * lists exactly what the CLI accepts.
 * @example completionScript(createProgram(io), 'bash')
 */
export function completionScript(program: Command, shell: Shell): string {
  const nodes = commandTree(program);
  return shell === 'bash' ? bashScript(nodes) : zshScript(nodes);
}

// --- internal ---

function isShell(text: string): text is Shell {
  return (SHELLS as readonly string[]).includes(text);
}

/** Every command, depth first, with the program's global flags offered everywhere (commander reads them after a command too). */
function commandTree(program: Command): CommandNode[] {
  const globals = flagsOf(program);
  const nodes: CommandNode[] = [];
  const visit = (cmd: Command, path: string, spellings: string[]): void => {
    const subcommands = cmd.commands.flatMap((sub) => [sub.name(), ...sub.aliases()]);
    const flags = cmd === program ? [...globals, '-V', '--version'] : [...flagsOf(cmd), ...globals];
    nodes.push({ path, spellings, words: unique([...subcommands, ...flags, '-h', '--help']) });
    for (const sub of cmd.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name(), [sub.name(), ...sub.aliases()]);
  };
  visit(program, '', []);
  return nodes;
}

function flagsOf(cmd: Command): string[] {
  return cmd.options.flatMap((option) => [option.short, option.long]).filter((flag): flag is string => flag !== undefined && flag !== '-V' && flag !== '--version');
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}

/** The `case` branches that follow the typed words down the tree: alias spellings map to the canonical path. */
function walkCases(nodes: readonly CommandNode[]): string {
  return nodes
    .filter((node) => node.path !== '')
    .map((node) => {
      const parent = node.path.split(' ').slice(0, -1).join(' ');
      const patterns = node.spellings.map((spelling) => quote(parent ? `${parent} ${spelling}` : spelling));
      return `      ${patterns.join('|')}) cmdpath=${quote(node.path)} ;;`;
    })
    .join('\n');
}

function wordCases(nodes: readonly CommandNode[]): string {
  return nodes.map((node) => `    ${quote(node.path)}) candidates=${quote(node.words.join(' '))} ;;`).join('\n');
}

/** bash: complete -F over the words typed so far; after -f/--yaml, file names. */
function bashScript(nodes: readonly CommandNode[]): string {
  return `# bash completion for sluice. Load it with: source <(sluice completion bash)
_sluice() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath='' candidates='' i
  if [[ "$prev" == -f || "$prev" == --yaml ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${cmdpath:+$cmdpath }\${COMP_WORDS[i]}" in
${walkCases(nodes)}
    esac
  done
  case "$cmdpath" in
${wordCases(nodes)}
  esac
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o default -F _sluice sluice
`;
}

/**
 * zsh: the same walk over $words ($path is zsh's PATH array, hence cmdpath). The file works both
 * sourced and as `_sluice` in $fpath: compinit autoloads it as the body of `_sluice` on the first
 * TAB, so then it must also complete that TAB (`$funcstack[1]` is `_sluice`), not only define it.
 */
function zshScript(nodes: readonly CommandNode[]): string {
  return `#compdef sluice
# zsh completion for sluice. Load it (after compinit) with: source <(sluice completion zsh)
# or save it as _sluice in a folder of $fpath before compinit runs.
_sluice() {
  local cmdpath='' candidates='' i
  if [[ "\${words[CURRENT-1]}" == -f || "\${words[CURRENT-1]}" == --yaml ]]; then
    _files
    return
  fi
  for ((i = 2; i < CURRENT; i++)); do
    case "\${cmdpath:+$cmdpath }\${words[i]}" in
${walkCases(nodes)}
    esac
  done
  case "$cmdpath" in
${wordCases(nodes)}
  esac
  compadd -- \${=candidates}
}
if [[ "\${funcstack[1]}" == _sluice ]]; then
  _sluice "$@"
else
  compdef _sluice sluice
fi
`;
}

/** Single-quoted for the shell (names and flags are plain, but a quote must never end the string). */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
