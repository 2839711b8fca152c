// The readiness gate in front of the Grafana providers (components/grafana/readiness/), against real
// servers on loopback: Grafana's health answer, an ingress controller's error pages, a closed port, TLS
// with certificates made by the openssl CLI, and a name that cannot resolve.

import * as pulumi from "@pulumi/pulumi";
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
    ENDPOINT_READY_TYPE,
    GrafanaEndpointReady,
    grafanaEndpointProvider,
    probeGrafana,
    READINESS_TIMEOUT_SECONDS,
    type ReadinessCheck,
    type WaitOptions,
    waitForGrafana,
} from "../../components/grafana/readiness";
import { captureResources } from "../helpers/pulumi";

/**
 * What Grafana answers on /api/health: grafana/grafana pkg/api/http_server.go, `healthResponse`
 * ({database, version, commit}) and `apiHealthHandler`: "ok" with 200, "failing" with 503 when the
 * database check fails, Content-Type application/json; charset=UTF-8, json.MarshalIndent(data, "", "  ").
 */
const grafanaHealth = (database: "ok" | "failing") =>
    JSON.stringify({ database, version: "12.1.1", commit: "df5de8219b41d1e639e003bf5f3a85913761d167" }, null, 2);
/** nginx's error page, as ingress-nginx answers for a host without a route (404) or without ready endpoints (503). */
const nginxPage = (status: string) =>
    `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;

type Handler = (request: http.IncomingMessage, response: http.ServerResponse) => void;
const grafana =
    (database: "ok" | "failing" = "ok", healthPath = "/api/health"): Handler =>
    (request, response) => {
        if (request.url !== healthPath) {
            response.writeHead(404, { "content-type": "text/html" }).end(nginxPage("404 Not Found"));
            return;
        }
        response.writeHead(database === "ok" ? 200 : 503, { "content-type": "application/json; charset=UTF-8" }).end(grafanaHealth(database));
    };
const nginx =
    (status: number, text: string): Handler =>
    (_request, response) => {
        response.writeHead(status, { "content-type": "text/html" }).end(nginxPage(`${status} ${text}`));
    };

const servers: Array<http.Server | https.Server | net.Server> = [];
function listen(server: http.Server | https.Server | net.Server, port = 0): Promise<number> {
    servers.push(server);
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
    });
}
const serveHttp = (handler: Handler, port?: number) => listen(http.createServer(handler), port);
const serveHttps = (name: string, handler: Handler) => listen(https.createServer({ key: pem(`${name}.key`), cert: pem(`${name}.crt`) }, handler));
/** A port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
    const server = http.createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
    await new Promise((resolve) => server.close(resolve));
    return port;
}

let certificates: string;
const pem = (file: string) => fs.readFileSync(path.join(certificates, file), "utf8");
const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: certificates, stdio: "pipe" });
/** A key and a certificate signed by the test CA, for `names` (subjectAltName), valid `days` (negative: expired). */
function issue(name: string, names: string, days: number) {
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.csr`,
        "-subj",
        `/CN=${name}`,
    );
    fs.writeFileSync(path.join(certificates, `${name}.ext`), `subjectAltName=${names}\n`);
    openssl(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
        "-days",
        String(days),
        "-extfile",
        `${name}.ext`,
    );
}

/** The hints a staging stack gives the gate (the values the GrafanaAutomation passes, see its test). */
const INGRESS_HINTS = { namespace: "monitoring", ingressClassName: "nginx", ingressControllerNamespace: "ingress-nginx" };
const FAST: WaitOptions = { initialDelayMs: 100, maxDelayMs: 400, requestTimeoutMs: 2_000 };

async function failure(check: ReadinessCheck, options: WaitOptions = FAST): Promise<string> {
    try {
        await waitForGrafana(check, options);
    } catch (error) {
        return (error as Error).message;
    }
    return assert.fail(`${check.url} was reported ready`);
}

describe("Grafana readiness gate", function () {
    this.timeout(60_000);

    before(() => {
        certificates = fs.mkdtempSync(path.join(os.tmpdir(), "readiness-certs-"));
        openssl(
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=Readiness Test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        );
        issue("localhost", "DNS:localhost", 2);
        issue("other-host", "DNS:grafana.other.example", 2);
        issue("expired", "DNS:localhost", -1);
        // What ingress-nginx serves when the Ingress' TLS Secret is missing or invalid: its self-signed default certificate.
        openssl(
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "fake.key",
            "-out",
            "fake.crt",
            "-days",
            "2",
            "-subj",
            "/O=Acme Co/CN=Kubernetes Ingress Controller Fake Certificate",
            "-addext",
            "subjectAltName=DNS:ingress.local",
        );
    });
    after(async () => {
        await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
        fs.rmSync(certificates, { recursive: true, force: true });
    });

    it("waits the documented 15 minutes by default", () => {
        assert.strictEqual(READINESS_TIMEOUT_SECONDS, 900);
    });

    describe("ready", () => {
        it("when /api/health answers as Grafana does, with its version", async () => {
            const port = await serveHttp(grafana());
            const ready = await waitForGrafana({ url: `http://127.0.0.1:${port}`, timeoutSeconds: 5 }, FAST);
            assert.strictEqual(ready.attempts, 1);
            assert.strictEqual(ready.version, "12.1.1");
        });

        it("keeps a path prefix of the URL (Grafana served from a sub-path)", async () => {
            const port = await serveHttp(grafana("ok", "/grafana/api/health"));
            assert.strictEqual((await waitForGrafana({ url: `http://127.0.0.1:${port}/grafana/`, timeoutSeconds: 5 }, FAST)).attempts, 1);
        });

        it("over https with a certificate for the host from a trusted CA", async () => {
            const port = await serveHttps("localhost", grafana());
            const probe = await probeGrafana(`https://localhost:${port}`, { ca: [pem("ca.crt")] });
            assert.strictEqual(probe.ready, true, JSON.stringify(probe));
            assert.ok(
                probe.passed.some((step) => step.startsWith("TLS ok")),
                probe.passed.join("; "),
            );
        });

        it("on a first run, once the endpoint comes up: nothing listening, then pods not ready (503), then Grafana", async () => {
            const port = await closedPort();
            const started = Date.now();
            let healthyAt = 0;
            setTimeout(() => {
                void serveHttp((request, response) => {
                    if (!healthyAt) healthyAt = Date.now() + 1_500;
                    (Date.now() < healthyAt ? nginx(503, "Service Temporarily Unavailable") : grafana())(request, response);
                }, port);
            }, 1_500);
            const ready = await waitForGrafana({ url: `http://127.0.0.1:${port}`, timeoutSeconds: 30 }, FAST);
            const waited = Date.now() - started;
            assert.ok(waited >= 3_000, `ready after ${waited} ms, before the server was healthy`);
            assert.ok(ready.attempts >= 3, `${ready.attempts} attempts`);
            assert.strictEqual(ready.version, "12.1.1");
        });
    });

    describe("not ready, saying what is not", () => {
        it("DNS: a host that does not resolve (.invalid, RFC 6761) → create the DNS record, pointing at the ingress controller", async () => {
            const host = "grafana.readiness-test.invalid";
            const started = Date.now();
            const message = await failure({
                url: `https://${host}`,
                timeoutSeconds: 1,
                publicHost: host,
                clusterIssuer: "letsencrypt",
                tlsSecretName: "grafana-tls",
                ...INGRESS_HINTS,
            });
            assert.ok(Date.now() - started < 20_000, "gave up long after its deadline");
            assert.match(message, /^Grafana is not ready at https:\/\/grafana\.readiness-test\.invalid \(GET \/api\/health\) after \d+s and \d+ attempts?/);
            assert.match(
                message,
                /Checked in order: DNS NOT READY: grafana\.readiness-test\.invalid does not resolve; TCP not checked; TLS not checked; HTTP not checked\./,
            );
            assert.match(
                message,
                /\nDNS: Create a DNS record for grafana\.readiness-test\.invalid pointing at the ingress controller's address .*`kubectl -n ingress-nginx get service`/,
            );
            assert.match(message, /\nLast error: (ENOTFOUND|EAI_AGAIN): getaddrinfo (ENOTFOUND|EAI_AGAIN) grafana\.readiness-test\.invalid/);
            assert.match(message, /run `pulumi up` again.*up to 1s/);
        });

        it("TCP: nothing listening on a dev port-forward's port → is `kubectl port-forward` running?", async () => {
            const port = await closedPort();
            const message = await failure({ url: `http://127.0.0.1:${port}`, timeoutSeconds: 1, namespace: "monitoring" });
            assert.match(message, new RegExp(`TCP NOT READY: 127\\.0\\.0\\.1:${port} refused the connection`));
            assert.match(
                message,
                new RegExp(
                    `\nTCP: Nothing accepts connections on 127\\.0\\.0\\.1:${port}: is \`kubectl port-forward\` running\\?.*` +
                        `kubectl -n monitoring port-forward svc/grafana ${port}:80`,
                ),
            );
            assert.match(message, /\nLast error: ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
        });

        it("TCP: the host resolves but refuses connections → the DNS record must point at the ingress controller", async () => {
            const port = await closedPort();
            const message = await failure({
                url: `https://localhost:${port}`,
                timeoutSeconds: 1,
                publicHost: "localhost",
                clusterIssuer: "letsencrypt",
                tlsSecretName: "grafana-tls",
                ...INGRESS_HINTS,
            });
            assert.match(
                message,
                /Checked in order: DNS ok \(localhost → (127\.0\.0\.1|::1)\); TCP NOT READY: (127\.0\.0\.1|::1|localhost):\d+ refused the connection; TLS not checked; HTTP not checked\./,
            );
            assert.match(
                message,
                /\nTCP: localhost resolves, but the address does not accept connections on port \d+: point the DNS record for localhost at the ingress controller's external address \(`kubectl -n ingress-nginx get service`\)/,
            );
        });

        it("TCP, not DNS: a name with several addresses (a cloud load balancer's) that resolves but refuses connections", async () => {
            const port = await closedPort();
            // Node tries each address in turn (happy eyeballs) and emits no "lookup" event then, only "connectionAttempt".
            const twoAddresses = ((_host: string, _options: unknown, callback: (error: null, addresses: Array<{ address: string; family: number }>) => void) =>
                callback(null, [
                    { address: "127.0.0.1", family: 4 },
                    { address: "127.0.0.2", family: 4 },
                ])) as unknown as import("net").LookupFunction;
            const probe = await probeGrafana(`http://grafana.example.test:${port}`, { lookup: twoAddresses, requestTimeoutMs: 5_000 });
            assert.strictEqual(probe.ready, false);
            assert.strictEqual(probe.stage, "tcp", JSON.stringify(probe));
            assert.strictEqual(probe.passed.length, 1, probe.passed.join("; "));
            assert.match(probe.passed[0], /^DNS ok \(grafana\.example\.test → 127\.0\.0\.[12]\)$/);
        });

        it("TLS: the ingress controller's default certificate → cert-manager's Certificate to describe, and the ClusterIssuer", async () => {
            const port = await serveHttps("fake", grafana());
            const message = await failure({
                url: `https://localhost:${port}`,
                timeoutSeconds: 1,
                publicHost: "localhost",
                clusterIssuer: "letsencrypt-prod",
                tlsSecretName: "grafana-tls",
                ...INGRESS_HINTS,
            });
            assert.match(
                message,
                /Checked in order: DNS ok \(localhost → [^)]+\); TCP ok \([^)]+\); TLS NOT READY: the certificate is not trusted \(no trusted CA signed it\); HTTP not checked\./,
            );
            assert.match(
                message,
                /The server presents a certificate with subject "Kubernetes Ingress Controller Fake Certificate", issued by "Kubernetes Ingress Controller Fake Certificate", valid .* for DNS:ingress\.local\./,
            );
            assert.match(message, /Note: this is ingress-nginx's default certificate: the Ingress' TLS Secret does not exist yet/);
            assert.match(
                message,
                /cert-manager issues the certificate for localhost from ClusterIssuer letsencrypt-prod into Secret grafana-tls: `kubectl -n monitoring describe certificate grafana-tls`/,
            );
            assert.match(message, /`kubectl describe clusterissuer letsencrypt-prod`/);
            assert.match(message, /\nLast error: DEPTH_ZERO_SELF_SIGNED_CERT: self[- ]signed certificate/);
        });

        it("TLS: a certificate for another host, with ingress.tlsSecretName → that Secret is not a valid certificate for the host", async () => {
            const port = await serveHttps("other-host", grafana());
            const message = await failure(
                {
                    url: `https://localhost:${port}`,
                    timeoutSeconds: 1,
                    publicHost: "localhost",
                    tlsSecretName: "grafana-cert",
                    tlsSecretConfigured: true,
                    ...INGRESS_HINTS,
                },
                { ...FAST, ca: [pem("ca.crt")] },
            );
            assert.match(message, /TLS NOT READY: the certificate is not for localhost \(wrong host\)/);
            assert.match(message, /for DNS:grafana\.other\.example\./);
            assert.match(
                message,
                /ingress\.tlsSecretName \(grafana-cert\) is not a valid certificate for localhost: it must be a kubernetes\.io\/tls Secret in namespace monitoring/,
            );
            assert.match(
                message,
                /kubectl -n monitoring get secret grafana-cert -o jsonpath='\{\.data\.tls\\\.crt\}' \| base64 -d \| openssl x509 -noout -subject -issuer -dates -ext subjectAltName/,
            );
            assert.match(message, /\nLast error: ERR_TLS_CERT_ALTNAME_INVALID: Hostname\/IP does not match certificate's altnames/);
        });

        it("TLS: an expired certificate", async () => {
            const port = await serveHttps("expired", grafana());
            const message = await failure(
                {
                    url: `https://localhost:${port}`,
                    timeoutSeconds: 1,
                    publicHost: "localhost",
                    clusterIssuer: "letsencrypt",
                    tlsSecretName: "grafana-tls",
                    ...INGRESS_HINTS,
                },
                { ...FAST, ca: [pem("ca.crt")] },
            );
            assert.match(message, /TLS NOT READY: the certificate has expired/);
            assert.match(message, /\nLast error: CERT_HAS_EXPIRED: certificate has expired/);
        });

        it("HTTP 404: the ingress controller has no route for the host → the Ingress and its ingressClassName", async () => {
            const port = await serveHttp(nginx(404, "Not Found"));
            const message = await failure({ url: `http://localhost:${port}`, timeoutSeconds: 1, publicHost: "localhost", ...INGRESS_HINTS });
            assert.match(message, /Checked in order: DNS ok \([^)]+\); TCP ok \([^)]+\); HTTP NOT READY: \/api\/health answers 404\./);
            assert.match(
                message,
                /\nHTTP: The ingress controller has no route for localhost: check that the Grafana Ingress exists with ingressClassName nginx and host localhost \(`kubectl -n monitoring get ingress`\)/,
            );
            assert.match(message, /\nLast error: HTTP 404: <html> <head><title>404 Not Found<\/title>/);
        });

        it("HTTP 503 from the ingress: Grafana's pods behind it are not ready", async () => {
            const port = await serveHttp(nginx(503, "Service Temporarily Unavailable"));
            const message = await failure({ url: `http://localhost:${port}`, timeoutSeconds: 1, publicHost: "localhost", ...INGRESS_HINTS });
            assert.match(message, /HTTP NOT READY: \/api\/health answers 503\./);
            assert.match(
                message,
                /\nHTTP: The ingress routes localhost, but Grafana's pods behind it are not ready or not reachable: `kubectl -n monitoring get pods -l app\.kubernetes\.io\/name=grafana`/,
            );
            assert.match(message, /NetworkPolicies must let the ingress controller's namespace \(ingress-nginx, ingress\.controllerNamespace\) reach Grafana/);
        });

        it("HTTP 503 from Grafana itself: its database is failing", async () => {
            const port = await serveHttp(grafana("failing"));
            const message = await failure({ url: `http://127.0.0.1:${port}`, timeoutSeconds: 1, namespace: "monitoring" });
            assert.match(message, /HTTP NOT READY: Grafana answers but reports database: "failing"/);
            assert.match(message, /\nHTTP: Grafana is up but cannot use its database \(grafana\.database\): `kubectl -n monitoring logs deploy\/grafana`/);
        });

        it("HTTP 200 that is not Grafana: something else answers at that URL", async () => {
            const port = await serveHttp((_request, response) =>
                response.writeHead(200, { "content-type": "text/html" }).end("<html><body>Welcome to nginx!</body></html>"),
            );
            const message = await failure({ url: `http://127.0.0.1:${port}`, timeoutSeconds: 1 });
            assert.match(message, /HTTP NOT READY: \/api\/health answers 200, but not like Grafana \(expected JSON with "database": "ok"; got text\/html\)/);
            assert.match(message, new RegExp(`\nHTTP: Something else answers at http://127\\.0\\.0\\.1:${port}: check grafana\\.apiUrl\\.`));
            assert.match(message, /\nLast error: HTTP 200: <html><body>Welcome to nginx!/);
        });

        it("HTTP: a connection that closes without an answer", async () => {
            const server = net.createServer((socket) => socket.destroy());
            const port = await listen(server);
            const message = await failure({ url: `http://127.0.0.1:${port}`, timeoutSeconds: 1 });
            assert.match(
                message,
                new RegExp(`Checked in order: TCP ok \\(127\\.0\\.0\\.1:${port}\\); HTTP NOT READY: the connection was made but no HTTP answer came\\.`),
            );
            assert.match(message, /\nLast error: ECONNRESET: socket hang up/);
        });

        it("names no credentials of the URL", async () => {
            const port = await closedPort();
            const message = await failure({ url: `http://admin:hunter2-secret@127.0.0.1:${port}`, timeoutSeconds: 1 });
            assert.ok(!message.includes("hunter2-secret") && !message.includes("admin:"), message);
            assert.match(message, new RegExp(`not ready at http://127\\.0\\.0\\.1:${port} `));
        });
    });

    describe("dynamic provider, as Pulumi serializes it into the state", () => {
        let module: string;
        before(async () => {
            const serialized = await pulumi.runtime.serializeFunction(() => grafanaEndpointProvider);
            module = path.join(certificates, "provider.js");
            fs.writeFileSync(module, serialized.text);
        });
        /** Runs a method of the serialized provider in a plain Node process (no TypeScript, none of our modules). */
        const run = (method: string, ...args: unknown[]) =>
            new Promise<{ ok: boolean; value: any }>((resolve, reject) => {
                const script =
                    `Promise.resolve(require(${JSON.stringify(module)}).handler()[${JSON.stringify(method)}](...${JSON.stringify(args)}))` +
                    ".then((value) => console.log(JSON.stringify({ ok: true, value })), (error) => console.log(JSON.stringify({ ok: false, value: error.message })))";
                execFile(process.execPath, ["-e", script], { cwd: os.tmpdir(), timeout: 30_000 }, (error, stdout, stderr) => {
                    if (error) reject(new Error(`${error.message}\n${stderr}`));
                    else resolve(JSON.parse(stdout));
                });
            });

        it("captures nothing of this program but Node's built-in modules", () => {
            const text = fs.readFileSync(module, "utf8");
            const required = [...text.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
            assert.deepStrictEqual([...new Set(required)].sort(), ["http", "https", "net", "tls"]);
            assert.ok(!/@pulumi|pulumiverse|ObservabilityStack|GrafanaAutomation/.test(text.replace(/\/\/.*$/gm, "")), "captures a module of the program");
        });

        it("creates once Grafana answers, keeping the URL and Grafana's version", async () => {
            const port = await serveHttp(grafana());
            const url = `http://127.0.0.1:${port}`;
            const result = await run("create", { url, timeoutSeconds: 5, namespace: "monitoring", __provider: "serialized" });
            assert.ok(result.ok, result.value);
            assert.strictEqual(result.value.id, url);
            assert.deepStrictEqual(result.value.outs, { url, timeoutSeconds: 5, namespace: "monitoring", grafanaVersion: "12.1.1" });
        });

        it("fails create with the diagnosis", async () => {
            const port = await closedPort();
            const result = await run("create", { url: `http://127.0.0.1:${port}`, timeoutSeconds: 1 });
            assert.strictEqual(result.ok, false);
            assert.match(result.value, /is `kubectl port-forward` running\?/);
        });

        it("waits again when the URL or the timeout changes, not when only a hint does", async () => {
            const old = { url: "https://grafana.example.com", timeoutSeconds: 900, namespace: "monitoring", grafanaVersion: "12.1.1" };
            assert.strictEqual((await run("diff", "id", old, { ...old, url: "https://grafana.example.org" })).value.changes, true);
            assert.strictEqual((await run("diff", "id", old, { ...old, timeoutSeconds: 60 })).value.changes, true);
            assert.strictEqual((await run("diff", "id", old, { ...old, namespace: "observability" })).value.changes, false);
        });

        it("is registered as pulumi.dynamic.Resource registers it: same type, same inputs, the same serialized text", async () => {
            const args = { url: "https://grafana.example.com", namespace: "monitoring", publicHost: "grafana.example.com" };
            // The SDK's class is abstract: a subclass that adds nothing.
            class BySdk extends pulumi.dynamic.Resource {}
            const registered = await captureResources(() => {
                new BySdk(
                    grafanaEndpointProvider,
                    "by-the-sdk",
                    { ...args, timeoutSeconds: READINESS_TIMEOUT_SECONDS, grafanaVersion: undefined },
                    undefined,
                    "grafana",
                    "EndpointReady",
                );
                new GrafanaEndpointReady("by-the-gate", args);
            });
            const [sdk, gate] = ["by-the-sdk", "by-the-gate"].map((name) => registered.find((r) => r.name === name)!);
            assert.strictEqual(sdk.type, ENDPOINT_READY_TYPE);
            assert.strictEqual(gate.type, sdk.type);
            assert.strictEqual(typeof sdk.inputs.__provider, "string");
            assert.deepStrictEqual(gate.inputs, sdk.inputs);
        });
    });
});
