import { describe, expect, it } from "vitest";
import { engineSettings } from "../../components/database/engine";

describe("engineSettings", () => {
  it("postgres: 5432, family from the major version, rds.force_ssl", () => {
    expect(engineSettings("postgres")).toEqual({
      port: 5432,
      version: "16",
      family: "postgres16",
      tlsParameter: { name: "rds.force_ssl", value: "1" },
      logExports: ["postgresql", "upgrade"],
    });
    expect(engineSettings("postgres", "15.7").family).toBe("postgres15");
  });

  it("mysql: 3306, family major.minor, require_secure_transport", () => {
    expect(engineSettings("mysql")).toEqual({
      port: 3306,
      version: "8.0",
      family: "mysql8.0",
      tlsParameter: { name: "require_secure_transport", value: "1" },
      logExports: ["error", "slowquery"],
    });
    expect(engineSettings("mysql", "8.4.3").family).toBe("mysql8.4");
  });
});
