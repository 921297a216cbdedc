// Baseline for the plan benchmark: a process that only loads the SDK modules the program uses, and touches the
// provider submodules it creates resources from (they load lazily), then exits.
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import * as yaml from "yaml";
import * as zod from "zod";

const touched = [
  aws.ec2.Vpc,
  aws.ec2.Instance,
  aws.vpc.SecurityGroupIngressRule,
  aws.rds.Instance,
  aws.route53.Zone,
  aws.iam.Role,
  aws.cloudwatch.LogGroup,
  aws.ebs.Volume,
  command.remote.Command,
  random.RandomPassword,
  tls.PrivateKey,
  pulumi.ComponentResource,
  yaml.parse,
  zod.z.object,
];
// Azure modules the program imports by submodule.
for (const sub of ["resources", "storage", "keyvault", "authorization", "dns"]) {
  touched.push(require(`@pulumi/azure-native/${sub}`));
}
console.log(`loaded ${touched.length} modules`);
