// The role ECS assumes to create and attach the EBS dataset volume that RunTask asks for
// (`volumeConfigurations[].managedEBSVolume.roleArn`).
import { Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

export const ECS_VOLUMES_MANAGED_POLICY = "service-role/AmazonECSInfrastructureRolePolicyForVolumes";

export class EcsInfrastructureRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("ecs.amazonaws.com"),
      description: "ECS infrastructure role: creates and attaches EBS volumes configured at launch for aegis-bt tasks",
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(ECS_VOLUMES_MANAGED_POLICY)],
    });
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${ECS_VOLUMES_MANAGED_POLICY}]`,
      reason:
        "AmazonECSInfrastructureRolePolicyForVolumes is the AWS-maintained policy ECS documents for the infrastructure role of EBS volumes configured at launch; its conditions limit it to volumes ECS creates and tags.",
    });
  }
}
