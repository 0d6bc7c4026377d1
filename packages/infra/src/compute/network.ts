// Where the tasks run: a new VPC with public subnets only (no NAT gateway: tasks get public IPs and
// reach AWS APIs over HTTPS; S3 through a free gateway endpoint), or subnets of an existing VPC.
import { Fn, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

export type NetworkOptions =
  | {
      readonly kind: "new";
      /** At most this many Availability Zones (2 when the stack has no account/region). Default 3. */
      readonly maxAzs?: number;
      /** Default 10.42.0.0/16. */
      readonly cidr?: string;
    }
  | {
      readonly kind: "imported";
      readonly vpcId: string;
      /** The subnets tasks are placed in. */
      readonly subnetIds: readonly string[];
      /** ENABLED for public subnets (no NAT), DISABLED for private subnets with a NAT or endpoints. */
      readonly assignPublicIp: boolean;
      /** The VPC's CIDR: needed only for the NFS egress rule of an S3 Files volume. */
      readonly vpcCidrBlock?: string;
    };

export interface NetworkProps {
  readonly options: NetworkOptions;
  /** Retention of the VPC flow log (rejected traffic) of a new VPC. */
  readonly flowLogRetention: logs.RetentionDays;
}

export class Network extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnetIds: string[];
  /** The same subnets as objects, for constructs that take a subnet selection (Batch). */
  readonly subnets: ec2.ISubnet[];
  readonly assignPublicIp: boolean;
  /** The tasks' security group: no ingress, HTTPS egress. */
  readonly securityGroup: ec2.SecurityGroup;
  private readonly cidr: string | undefined;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const options = props.options;
    if (options.kind === "new") {
      const vpc = new ec2.Vpc(this, "Vpc", {
        ipAddresses: ec2.IpAddresses.cidr(options.cidr ?? "10.42.0.0/16"),
        maxAzs: options.maxAzs ?? 3,
        natGateways: 0,
        subnetConfiguration: [
          // Fargate assigns public IPs per task (AssignPublicIp); nothing else launches here.
          { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 20, mapPublicIpOnLaunch: false },
        ],
        // S3 traffic (results, the S3 sync fallback) stays on the AWS network and costs nothing.
        gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
        // Nothing uses the default security group; restricting it would add a custom-resource Lambda.
        restrictDefaultSecurityGroup: false,
      });
      const flowLogs = new logs.LogGroup(this, "FlowLogs", {
        retention: props.flowLogRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      vpc.addFlowLog("FlowLog", {
        destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
        trafficType: ec2.FlowLogTrafficType.REJECT,
      });
      this.vpc = vpc;
      this.subnets = vpc.publicSubnets;
      this.subnetIds = this.subnets.map((s) => s.subnetId);
      this.assignPublicIp = true;
      this.cidr = vpc.vpcCidrBlock;
    } else {
      if (options.subnetIds.length === 0) throw new Error(`an imported VPC (${options.vpcId}) needs at least one subnet id`);
      this.vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", {
        vpcId: options.vpcId,
        availabilityZones: Fn.getAzs(),
        ...(options.vpcCidrBlock ? { vpcCidrBlock: options.vpcCidrBlock } : {}),
      });
      Validations.of(this.vpc).acknowledge({
        id: "Annotation::@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
        reason: "Tasks are placed by subnet id (the SubnetIds output); nothing asks the imported VPC for its subnets or zones.",
      });
      this.subnetIds = [...options.subnetIds];
      this.subnets = this.subnetIds.map((subnetId) => {
        const subnet = ec2.Subnet.fromSubnetId(this, subnetId, subnetId);
        Validations.of(subnet).acknowledge({
          id: "Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
          reason: "The subnets only place tasks and Batch jobs (by id); nothing here adds routes or reads their route tables.",
        });
        return subnet;
      });
      this.assignPublicIp = options.assignPublicIp;
      this.cidr = options.vpcCidrBlock;
    }

    this.securityGroup = new ec2.SecurityGroup(this, "TaskSecurityGroup", {
      vpc: this.vpc,
      description: "aegis-bt tasks: no ingress; HTTPS egress to ECR, S3 and CloudWatch Logs",
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs (ECR, S3, CloudWatch Logs)");
  }

  /** Opens NFS (TCP 2049) to the VPC, for S3 Files mount targets. */
  allowNfsToVpc(): void {
    if (this.cidr === undefined) {
      throw new Error("an S3 Files volume in an imported VPC needs the VPC's CIDR (vpcCidrBlock) for the NFS egress rule");
    }
    this.securityGroup.addEgressRule(ec2.Peer.ipv4(this.cidr), ec2.Port.tcp(2049), "NFS to the S3 Files mount targets");
  }
}
