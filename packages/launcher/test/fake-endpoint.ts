// A tiny HTTP server on 127.0.0.1 that answers every request the way a misconfigured endpoint
// would (an HTML page from a proxy, S3's XML error for a wrong region or bad keys), so the tests
// drive the real AWS SDK, its parsers and retries, through exactly what it does with such answers.
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface SeenRequest {
  method: string;
  path: string;
}

export class FakeEndpoint {
  /** Every request, in order. */
  readonly requests: SeenRequest[] = [];
  /** What the next requests get; a function may answer per request. */
  reply: Reply | ((req: SeenRequest) => Reply) = { status: 200 };
  private readonly server: Server;
  private address = "";

  private constructor() {
    this.server = createServer((req: IncomingMessage, res) => {
      req.resume();
      req.on("end", () => {
        const seen = { method: req.method ?? "?", path: req.url ?? "/" };
        this.requests.push(seen);
        const r = typeof this.reply === "function" ? this.reply(seen) : this.reply;
        res.writeHead(r.status, r.headers ?? {});
        res.end(req.method === "HEAD" ? undefined : (r.body ?? ""));
      });
    });
  }

  /** `http://127.0.0.1:<port>`. */
  get url(): string {
    return this.address;
  }

  static async start(): Promise<FakeEndpoint> {
    const endpoint = new FakeEndpoint();
    await new Promise<void>((resolve) => endpoint.server.listen(0, "127.0.0.1", resolve));
    const { port } = endpoint.server.address() as { port: number };
    endpoint.address = `http://127.0.0.1:${port}`;
    return endpoint;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A proxy's error page, as nginx writes it. */
export const HTML_PAGE = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/** S3's XML error document. */
export function s3Error(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${fields}<RequestId>4442587FB7D0A2F9</RequestId><HostId>fake-host-id</HostId></Error>`;
}

export const XML = { "content-type": "application/xml" };
export const HTML = { "content-type": "text/html" };
