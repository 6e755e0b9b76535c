// A real Apollo Gateway (@apollo/gateway IntrospectAndCompose) in front of the given subgraphs.
//
//   node gateway.mjs <port> <name>=<subgraph-url>...
//
// Reads each subgraph's `_service { sdl }`, composes the supergraph, and serves it with @apollo/server
// on 127.0.0.1 only (port 0: any free port). Prints {"url": "http://127.0.0.1:<port>/"} on one line
// when ready; exits 1 when composition fails, 2 on usage errors.
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [portText, ...pairs] = process.argv.slice(2);
const port = Number(portText);
const subgraphs = pairs.map((pair) => {
  const at = pair.indexOf('=');
  return { name: pair.slice(0, at), url: pair.slice(at + 1) };
});
if (!Number.isInteger(port) || port < 0 || subgraphs.length === 0 || subgraphs.some((s) => !s.name || !s.url)) {
  process.stderr.write('usage: node gateway.mjs <port> <name>=<subgraph-url>...\n');
  process.exit(2);
}

const gateway = new ApolloGateway({
  supergraphSdl: new IntrospectAndCompose({ subgraphs, subgraphHealthCheck: true }),
});
const server = new ApolloServer({ gateway, includeStacktraceInErrorResponses: false });
try {
  const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } });
  process.stdout.write(`${JSON.stringify({ url })}\n`);
} catch (error) {
  process.stderr.write(`gateway could not start: ${error?.stack ?? error}\n`);
  process.exit(1);
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.stop().finally(() => process.exit(0)));
}
