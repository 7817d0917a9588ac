// Preloaded with `--require` (NODE_OPTIONS) by the observability bench's --profile: samples
// this thread's CPU from start to exit and writes a V8 .cpuprofile into FLINT_CPU_PROFILE_DIR
// (node's own --cpu-prof is refused in NODE_OPTIONS, and the cluster's daemons are started
// by the cluster, not by the bench's command line).
const fs = require('node:fs');
const path = require('node:path');
const inspector = require('node:inspector');
const { threadId } = require('node:worker_threads');

const dir = process.env.FLINT_CPU_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const role = process.argv.slice(1).join(' ').match(/(master|worker|executor)[^/ ]*\.ts/)?.[0] ?? 'process';
  const write = () => {
    // A session on its own thread answers synchronously, so this completes inside 'exit'.
    session.post('Profiler.stop', (err, r) => {
      if (err) return;
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${role.replace(/\W/g, '_')}-${process.pid}-${threadId}.cpuprofile`), JSON.stringify(r.profile));
    });
  };
  process.once('exit', write);
}
