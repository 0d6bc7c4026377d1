// The ECR repository of the `aegis-bt` image, for images CI pushes by git sha.
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as ecr from "aws-cdk-lib/aws-ecr";
import { Construct } from "constructs";

export interface ImageRepositoryProps {
  readonly repositoryName: string;
  /** How many images to keep, newest first, whatever their tags. */
  readonly keepImages: number;
  /** Days after which untagged images (superseded manifests, failed pushes) are deleted. */
  readonly untaggedExpirationDays: number;
}

export class ImageRepository extends Construct {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    if (!Number.isInteger(props.keepImages) || props.keepImages < 1) throw new Error(`keepImages must be ≥ 1, got ${props.keepImages}`);
    if (!Number.isInteger(props.untaggedExpirationDays) || props.untaggedExpirationDays < 1) {
      throw new Error(`untaggedExpirationDays must be ≥ 1, got ${props.untaggedExpirationDays}`);
    }
    this.repository = new ecr.Repository(this, "Repository", {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      // Images are tagged with the git sha they were built from: a tag always names the same image,
      // so run.json's commit and the image a task ran can never disagree.
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          description: `expire untagged images after ${props.untaggedExpirationDays} days`,
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(props.untaggedExpirationDays),
        },
        {
          description: `keep the last ${props.keepImages} images`,
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: props.keepImages,
        },
      ],
    });
  }
}
