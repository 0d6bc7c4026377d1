// A moto server for the integration tests: started on a free 127.0.0.1 port, reset between tests,
// stopped after. Real SDK clients point at it.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { CreateStackCommand } from "@aws-sdk/client-cloudformation";
import { createClients, type AwsClients } from "../src/clients.ts";

export const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
export const REGION = "us-east-1";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export class Moto {
  private constructor(
    readonly endpoint: string,
    private readonly proc: ChildProcess,
    private readonly log: string[],
  ) {}

  static async start(): Promise<Moto> {
    const port = await freePort();
    const log: string[] = [];
    const proc = spawn("moto_server", ["-p", String(port), "-H", "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
    proc.stdout?.on("data", (d: Buffer) => log.push(d.toString()));
    proc.stderr?.on("data", (d: Buffer) => log.push(d.toString()));
    const moto = new Moto(`http://127.0.0.1:${port}`, proc, log);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`moto_server exited with ${proc.exitCode}: ${log.join("")}`);
      try {
        const res = await fetch(`${moto.endpoint}/moto-api/`);
        if (res.ok) return moto;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await moto.stop();
        throw new Error(`moto_server did not answer on port ${port}: ${log.join("")}`);
      }
      await delay(200);
    }
  }

  async reset(): Promise<void> {
    const res = await fetch(`${this.endpoint}/moto-api/reset`, { method: "POST" });
    if (!res.ok) throw new Error(`moto reset: HTTP ${res.status}`);
  }

  clients(): AwsClients {
    return createClients({ region: REGION, endpoint: this.endpoint, credentials: CREDENTIALS, maxAttempts: 2 });
  }

  /** A query-protocol call to a service this package has no client for; moto routes by the signing scope. */
  async query(service: string, version: string, action: string, params: Record<string, string> = {}): Promise<string> {
    const res = await fetch(`${this.endpoint}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/20260101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ Action: action, Version: version, ...params }).toString(),
    });
    return res.text();
  }

  /** An EC2 query call (there is no EC2 client in this package). */
  async ec2(action: string): Promise<string> {
    return this.query("ec2", "2016-11-15", action);
  }

  /** moto's settings (`POST /moto-api/config`), e.g. `{ batch: { use_docker: false } }`. */
  async configure(config: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${this.endpoint}/moto-api/config`, { method: "POST", body: JSON.stringify(config) });
    if (!res.ok) throw new Error(`moto config: HTTP ${res.status}`);
  }

  /** moto's default VPC: its first subnet and security group (RunTask needs both). */
  async defaultNetwork(): Promise<{ subnet: string; securityGroup: string }> {
    const subnet = (/<subnetId>([^<]+)<\/subnetId>/.exec(await this.ec2("DescribeSubnets")) ?? [])[1] as string;
    const securityGroup = (/<groupId>([^<]+)<\/groupId>/.exec(await this.ec2("DescribeSecurityGroups")) ?? [])[1] as string;
    return { subnet, securityGroup };
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once("exit", resolve));
    this.proc.kill("SIGTERM");
    await Promise.race([exited, delay(5000)]);
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

/** A CloudFormation stack in moto holding only `outputs`: what the launcher reads of the CDK app. */
export function outputsStack(aws: AwsClients, name: string, outputs: Record<string, string>) {
  return aws.cloudFormation.send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: JSON.stringify({
        Resources: { Placeholder: { Type: "AWS::CloudFormation::WaitConditionHandle" } },
        Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
      }),
    }),
  );
}
