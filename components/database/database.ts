import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { type DatabaseEngine, engineSettings } from "./engine";
import { type DatabaseRestore, restoreInputs } from "./restore";

/** Current RDS CA (CKV_AWS_211). */
export const RDS_CA = "rds-ca-rsa2048-g1";

export interface DatabaseArgs {
  vpcId: pulumi.Input<string>;
  /** Private subnets (at least two AZs) for the DB subnet group. */
  subnetIds: pulumi.Input<string>[];
  /** Security groups allowed to reach the engine port. The only way in: never a CIDR. */
  allowedSecurityGroups: { name: string; id: pulumi.Input<string> }[];
  engine: DatabaseEngine;
  /** Defaults to the engine's current major (postgres 16, mysql 8.0). */
  engineVersion?: string;
  instanceClass: string;
  allocatedStorageGiB: number;
  /** 0 turns storage autoscaling off. */
  maxAllocatedStorageGiB: number;
  dbName: string;
  username: string;
  backupRetentionDays: number;
  /** Daily automated backup window, UTC `hh:mm-hh:mm`. Defaults to one RDS picks. */
  backupWindow?: string;
  /** Weekly maintenance window, UTC `ddd:hh:mm-ddd:hh:mm`. Defaults to one RDS picks. */
  maintenanceWindow?: string;
  /** Create the instance from a backup instead of empty. Changing it replaces the instance. Defaults to none. */
  restore?: DatabaseRestore;
  multiAz: boolean;
  performanceInsights: boolean;
  deletionProtection: boolean;
  /** Keep a final snapshot (uniquely named) when the instance is deleted. */
  finalSnapshot: boolean;
  iamAuthentication: boolean;
  /** Export the engine's logs to CloudWatch Logs (engine.ts `logExports`). Defaults to true. */
  logExports?: boolean;
  /** Pulumi `protect`: `pulumi destroy` refuses to delete the instance. */
  protect: boolean;
}

/** The engine's port, family, TLS parameter and log exports (engine.ts). */
type EngineSettings = ReturnType<typeof engineSettings>;

/** RDS in private subnets: not public, encrypted, TLS forced, reachable only from the given security groups. */
export class Database extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: number;
  readonly dbName: string;
  readonly username: string;
  /** Secret. */
  readonly password: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** The RDS instance identifier (CloudWatch's DBInstanceIdentifier dimension). */
  readonly identifier: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("startup:aws:Database", name, {}, opts);
    const engine = engineSettings(args.engine, args.engineVersion);
    const securityGroup = this.firewall(name, args, engine);
    const groups = this.groups(name, args, engine);
    // Letters and digits plus symbols RDS accepts in a master password (no / @ " or space).
    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 32, special: true, overrideSpecial: "!#$%&*()-_=+[]{}<>:?" },
      { parent: this },
    );
    const instance = this.instance(name, args, engine, { securityGroup, ...groups, password });

    this.address = instance.address;
    this.port = engine.port;
    this.dbName = args.dbName;
    this.username = args.username;
    this.password = pulumi.secret(password.result);
    this.securityGroupId = securityGroup.id;
    this.identifier = instance.identifier;
    this.registerOutputs({ address: this.address, securityGroupId: this.securityGroupId });
  }

  /** The security group: the engine's port from each listed security group only. */
  private firewall(name: string, args: DatabaseArgs, engine: EngineSettings): aws.ec2.SecurityGroup {
    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      {
        vpcId: args.vpcId,
        description: `${args.engine} on ${engine.port}, reachable only from the listed security groups`,
        tags: { Name: `${name}-sg` },
      },
      { parent: this },
    );
    for (const source of args.allowedSecurityGroups) {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-from-${source.name}`,
        {
          securityGroupId: securityGroup.id,
          referencedSecurityGroupId: source.id,
          ipProtocol: "tcp",
          fromPort: engine.port,
          toPort: engine.port,
          description: `${args.engine} from ${source.name} over the private VPC path`,
        },
        { parent: securityGroup },
      );
    }
    return securityGroup;
  }

  /** The subnet group (the private subnets) and the parameter group that requires TLS. */
  private groups(
    name: string,
    args: DatabaseArgs,
    engine: EngineSettings,
  ): { subnetGroup: aws.rds.SubnetGroup; parameterGroup: aws.rds.ParameterGroup } {
    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.subnetIds, description: `Private subnets of ${name}` },
      { parent: this },
    );
    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: engine.family,
        description: `${name}: TLS required`,
        parameters: [
          { name: engine.tlsParameter.name, value: engine.tlsParameter.value, applyMethod: "pending-reboot" },
        ],
      },
      { parent: this },
    );
    return { subnetGroup, parameterGroup };
  }

  /** The RDS instance (private, encrypted, TLS CA pinned), with a uniquely named final snapshot when kept. */
  private instance(
    name: string,
    args: DatabaseArgs,
    engine: EngineSettings,
    on: {
      securityGroup: aws.ec2.SecurityGroup;
      subnetGroup: aws.rds.SubnetGroup;
      parameterGroup: aws.rds.ParameterGroup;
      password: random.RandomPassword;
    },
  ): aws.rds.Instance {
    const snapshotSuffix = args.finalSnapshot
      ? new random.RandomId(`${name}-final-snapshot-suffix`, { byteLength: 4 }, { parent: this })
      : undefined;

    return new aws.rds.Instance(
      `${name}-db`,
      {
        engine: args.engine,
        engineVersion: engine.version,
        instanceClass: args.instanceClass,
        allocatedStorage: args.allocatedStorageGiB,
        maxAllocatedStorage: args.maxAllocatedStorageGiB > 0 ? args.maxAllocatedStorageGiB : undefined,
        storageType: "gp3",
        storageEncrypted: true,
        dbName: args.dbName,
        username: args.username,
        password: on.password.result,
        port: engine.port,
        dbSubnetGroupName: on.subnetGroup.name,
        parameterGroupName: on.parameterGroup.name,
        vpcSecurityGroupIds: [on.securityGroup.id],
        publiclyAccessible: false,
        caCertIdentifier: RDS_CA,
        backupRetentionPeriod: args.backupRetentionDays,
        backupWindow: args.backupWindow,
        maintenanceWindow: args.maintenanceWindow,
        ...restoreInputs(`${name}-db`, args.restore),
        multiAz: args.multiAz,
        performanceInsightsEnabled: args.performanceInsights,
        performanceInsightsRetentionPeriod: args.performanceInsights ? 7 : undefined,
        iamDatabaseAuthenticationEnabled: args.iamAuthentication,
        enabledCloudwatchLogsExports: (args.logExports ?? true) ? engine.logExports : undefined,
        deletionProtection: args.deletionProtection,
        skipFinalSnapshot: !args.finalSnapshot,
        finalSnapshotIdentifier: snapshotSuffix ? pulumi.interpolate`${name}-final-${snapshotSuffix.hex}` : undefined,
        autoMinorVersionUpgrade: true,
        copyTagsToSnapshot: true,
        // Changes wait for the maintenance window in prod; dev applies them at once.
        applyImmediately: !args.protect,
        tags: { Name: `${name}-db` },
      },
      { parent: this, protect: args.protect },
    );
  }
}
