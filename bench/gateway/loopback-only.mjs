// Preloaded into Portkey's gateway (node --import) because it has no option
// for the address it listens on and would otherwise bind every interface:
// a listen() without a host is bound to 127.0.0.1.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" && typeof args[1] === "function") args.splice(1, 0, "127.0.0.1");
  else if (typeof args[0] === "number" && (args[1] === undefined || args[1] === null)) args[1] = "127.0.0.1";
  else if (typeof args[0] === "object" && args[0] !== null && args[0].host === undefined && args[0].path === undefined) args[0] = { ...args[0], host: "127.0.0.1" };
  return listen.apply(this, args);
};
