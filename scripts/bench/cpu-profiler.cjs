// Preloaded into the server by `npm run bench -- --profile` (NODE_OPTIONS=--require; Node 20
// refuses --cpu-prof there). SIGUSR2 starts the V8 CPU profiler, the next SIGUSR2 stops it and
// writes <TM_BENCH_CPU_PROFILE_DIR>/<pid>-<n>.cpuprofile (n = 1, 2, …): each profile covers
// one measured phase only.
const { renameSync, writeFileSync } = require("node:fs");
const inspector = require("node:inspector");
const path = require("node:path");

const dir = process.env.TM_BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  let profiling = false;
  let written = 0;
  process.on("SIGUSR2", () => {
    if (!profiling) {
      profiling = true;
      session.post("Profiler.enable", () => session.post("Profiler.start"));
      return;
    }
    profiling = false;
    session.post("Profiler.stop", (error, result) => {
      if (error) return console.error("cpu profiler:", error);
      written += 1;
      const file = path.join(dir, `${process.pid}-${written}.cpuprofile`);
      writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
      renameSync(`${file}.tmp`, file);
    });
  });
}
