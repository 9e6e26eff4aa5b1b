/** Configuration parsing: defaults, and refusals that name the variable. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.js";

const base = { SEALROOM_DATA_DIR: "/tmp/sealroom-config-test" };

describe("loadConfig", () => {
  it("puts the gateway on the core's host, outside any namespace, unless told otherwise", () => {
    const c = loadConfig({ ...base, SEALROOM_HOST: "10.0.0.5" });
    expect(c.gatewayHost).toBe("10.0.0.5");
    expect(c.gatewayNetns).toBeNull();
    const d = loadConfig(base, { SEALROOM_GATEWAY_HOST: "10.213.0.2", SEALROOM_GATEWAY_NETNS: "sealroom-gw" });
    expect(d.host).toBe("127.0.0.1");
    expect(d.gatewayHost).toBe("10.213.0.2");
    expect(d.gatewayNetns).toBe("sealroom-gw");
  });

  it("refuses a namespace name that could leave /run/netns, naming the variable", () => {
    for (const bad of ["../etc", "a/b", "-x", ".hidden", "x".repeat(65)]) {
      expect(() => loadConfig({ ...base, SEALROOM_GATEWAY_NETNS: bad })).toThrow(/^SEALROOM_GATEWAY_NETNS: must be the name of a network namespace/);
    }
  });

  it("refuses a gateway host that is not an address, naming the variable", () => {
    expect(() => loadConfig({ ...base, SEALROOM_GATEWAY_HOST: "gateway.internal" })).toThrow(/^SEALROOM_GATEWAY_HOST: must be an IP address/);
    expect(loadConfig({ ...base, SEALROOM_GATEWAY_HOST: "::1" }).gatewayHost).toBe("::1");
  });

  it("refuses a port out of range, naming the variable", () => {
    expect(() => loadConfig({ ...base, SEALROOM_GATEWAY_PORT: "70000" })).toThrow(/^SEALROOM_GATEWAY_PORT:/);
  });
});
