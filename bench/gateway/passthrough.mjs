// The floor a gateway is measured against: the least a Node proxy can do.
// A node:http server forwarding each request to the upstream through a
// node:http client with a keep-alive agent, piping bodies both ways without
// looking at them. Usage: node passthrough.mjs UPSTREAM_PORT; prints {"port":N}.
import { Agent, createServer, request } from "node:http";

const upstreamPort = Number(process.argv[2]);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, scheduling: "lifo" });

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  const up = request({ host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent }, (ur) => {
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.pipe(res);
  });
  up.on("error", () => {
    res.statusCode = 502;
    res.end();
  });
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on("SIGTERM", () => process.exit(0));
