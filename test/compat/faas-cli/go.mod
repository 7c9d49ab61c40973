module sluice.test/faascli

go 1.19
