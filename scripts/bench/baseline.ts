// Baseline for the plan benchmark: a process that only loads the SDK modules the program uses, and touches the
// provider submodules it creates resources from (they load lazily), then exits.
import * as aws from "@pulumi/aws";
import * as azureAuthorization from "@pulumi/azure-native/authorization";
import * as azureDns from "@pulumi/azure-native/dns";
import * as azureKeyVault from "@pulumi/azure-native/keyvault";
import * as azureResources from "@pulumi/azure-native/resources";
import * as azureStorage from "@pulumi/azure-native/storage";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import * as yaml from "yaml";
import * as zod from "zod";

const touched: unknown[] = [
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
touched.push(azureResources.ResourceGroup, azureStorage.StorageAccount, azureKeyVault.Vault, azureDns.Zone);
touched.push(azureAuthorization.RoleAssignment);
console.log(`loaded ${touched.length} modules`);
