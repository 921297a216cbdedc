import { beforeAll, describe, expect, it } from "vitest";
import { runStack, type StackRun } from "./support/runStack";

// Dev without host.apiGatewayAllowedCidrs: the plain-HTTP API gateway port admits the SSH (admin) ranges only.
let run: StackRun;
beforeAll(async () => {
  run = await runStack("dev", {
    host: { sshAllowedCidrs: ["203.0.113.10/32", "2001:db8::/48"], registryAllowedCidrs: [] },
  });
});

describe("dev API gateway allow list", () => {
  it("defaults to the SSH ranges, not the world", () => {
    const sg = run.named("dev-host-sg");
    const gateway = run
      .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .filter((r) => r.parent === sg.urn && r.props.fromPort === 8000)
      .map((r) => r.props.cidrIpv4 ?? r.props.cidrIpv6);
    expect(gateway).toEqual(["203.0.113.10/32", "2001:db8::/48"]);
  });
});
