// Runs one job's worth of bus traffic with the real ioredis client; prints a JSON report.
// Usage: node ioredis_job.js <redis-url> <key-prefix>
"use strict";
const Redis = require("ioredis");

async function main() {
  const [url, prefix] = process.argv.slice(2);
  const warnings = [];
  console.warn = (...args) => warnings.push(args.join(" "));
  const options = { connectionName: "agent-1", maxRetriesPerRequest: 0, retryStrategy: () => null };
  const bus = new Redis(url, options);
  const report = { warnings };
  await new Promise((resolve, reject) => {
    bus.once("ready", resolve);
    bus.once("error", reject);
  });
  report.ready = true;
  const stream = `${prefix}events`;
  await bus.xgroup("CREATE", stream, "agents", "0", "MKSTREAM");
  const id = await bus.xadd(stream, "*", "event", "started");
  const read = await bus.xreadgroup("GROUP", "agents", "a1", "COUNT", "1", "BLOCK", "10", "STREAMS", stream, ">");
  report.delivered = read[0][1][0][0] === id;
  report.acked = await bus.xack(stream, "agents", id);
  report.exec = await bus.pipeline().set(`${prefix}state`, "done").expire(`${prefix}state`, 7200).exec();
  const sub = bus.duplicate();
  const got = new Promise((resolve) => sub.on("message", (channel, message) => resolve(message)));
  await sub.subscribe(`${prefix}done`);
  await bus.publish(`${prefix}done`, "ok");
  report.message = await got;
  report.name = await bus.client("GETNAME");
  try {
    await bus.config("SET", "maxmemory", "1mb");
    report.config = "allowed";
  } catch (error) {
    report.config = error.message.split(" ")[0];
  }
  try {
    await bus.flushall();
    report.flushall = "allowed";
  } catch (error) {
    report.flushall = error.message.split(" ")[0];
  }
  sub.disconnect();
  bus.disconnect();
  process.stdout.write(JSON.stringify(report));
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ error: String(error) }));
  process.exit(1);
});
