import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import {
  REGISTRY_BCRYPT_COST,
  registryHtpasswdLine,
  registryPasswordHash,
} from "../../components/registryHost/credentials";

const SALT = Buffer.from("0123456789abcdef").toString("base64");
const OTHER_SALT = Buffer.from("fedcba9876543210").toString("base64");
const PASSWORD = "Zr8pQ2xVb7LkT4mN9cW1yH6gJ3sD5fA0";

describe("registry password hash (what every registry request checks)", () => {
  it("is bcrypt at cost 4 and verifies the password, and only it", () => {
    const hash = registryPasswordHash(PASSWORD, SALT);
    expect(REGISTRY_BCRYPT_COST).toBe(4);
    expect(hash).toMatch(/^\$2a\$04\$[./A-Za-z0-9]{53}$/);
    expect(bcrypt.compareSync(PASSWORD, hash)).toBe(true);
    expect(bcrypt.compareSync(`${PASSWORD.slice(0, -1)}1`, hash)).toBe(false);
  });

  it("is the same for the same password and salt (a second up changes nothing), different for another salt", () => {
    expect(registryPasswordHash(PASSWORD, SALT)).toBe(registryPasswordHash(PASSWORD, SALT));
    expect(registryPasswordHash(PASSWORD, OTHER_SALT)).not.toBe(registryPasswordHash(PASSWORD, SALT));
    expect(registryPasswordHash("other", SALT)).not.toBe(registryPasswordHash(PASSWORD, SALT));
  });

  it("refuses a salt that is not 16 bytes and an empty password", () => {
    expect(() => registryPasswordHash(PASSWORD, Buffer.alloc(8).toString("base64"))).toThrow(/16 bytes, got 8/);
    expect(() => registryPasswordHash("", SALT)).toThrow(/password is empty/);
  });

  it("makes the htpasswd line the tests and benchmarks write (one function for hosts and tests)", () => {
    expect(registryHtpasswdLine("ci", PASSWORD, SALT)).toBe(`ci:${registryPasswordHash(PASSWORD, SALT)}`);
    expect(() => registryHtpasswdLine("CI", PASSWORD, SALT)).toThrow(/not a valid user name/);
  });
});
