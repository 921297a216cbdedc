import { defineConfig } from "vitest/config";

// Two projects: `unit` (mocks, pure functions, policies; no external programs) and
// `integration` (real nginx, docker-registry, skopeo, sshd, openssl on loopback).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Real servers bind loopback ports; run files one at a time so they never race for ports.
          fileParallelism: false,
        },
      },
    ],
  },
});
