/** The logger's second line of defence: secret-bearing field names are redacted, ordinary ones are not. */
import { describe, expect, it } from "vitest";
import { isSecretField, memoryLogger } from "../../src/log/logger.js";

describe("log redaction", () => {
  it("redacts fields whose names carry secrets, whatever their case or separators", () => {
    for (const name of ["password", "newPassword", "passphrase", "clientSecret", "token", "sessionToken", "csrf_token", "cookie", "authorization", "apiKey", "api_key", "privateKey", "recoveryCode", "code", "key", "otp"]) {
      expect(isSecretField(name), name).toBe(true);
    }
  });

  it("keeps ordinary fields readable (ids, codes of errors, paths)", () => {
    for (const name of ["requestId", "errorCode", "statusCode", "keyId", "keyFile", "tenantId", "email", "path", "status"]) {
      expect(isSecretField(name), name).toBe(false);
    }
  });

  it("writes the redaction into the line", () => {
    const log = memoryLogger();
    log.info("x", { apiKey: "sk-live-123", errorCode: "audit_unavailable" });
    const line = JSON.parse(log.lines[0]!) as Record<string, unknown>;
    expect(line["apiKey"]).toBe("[redacted]");
    expect(line["errorCode"]).toBe("audit_unavailable");
    expect(log.lines[0]).not.toContain("sk-live-123");
  });
});
