/**
 * Preloaded into plugin processes that are being profiled (`ENTRA_BENCH_PLUGIN_NODE_ARGS` with
 * `--cpu-prof`): the dynamic-provider server does not handle SIGTERM, and Node writes a CPU profile
 * only when the process exits on its own.
 */
process.on("SIGTERM", () => process.exit(0));
