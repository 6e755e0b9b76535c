// The second subgraph of the federation tests: deployments that reference cloud-images-graphql images
// by their global id (tests/node/deployments.graphql), served by @apollo/server + @apollo/subgraph.
//
//   node deployments-subgraph.mjs <port> <image-global-id>...
//
// Listens on 127.0.0.1 only (port 0: any free port) and prints {"url": "http://127.0.0.1:<port>/"}
// on one line when ready. Deployment i (from 1) is {id: "deployment-i", name: "web-i", image: the
// i-th id}. Exits 2 on usage errors.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const [portText, ...imageIds] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || imageIds.length === 0) {
  process.stderr.write('usage: node deployments-subgraph.mjs <port> <image-global-id>...\n');
  process.exit(2);
}

const deployments = imageIds.map((imageId, i) => ({ id: `deployment-${i + 1}`, name: `web-${i + 1}`, imageId }));
const byId = new Map(deployments.map((d) => [d.id, d]));

const resolvers = {
  Query: { deployments: () => deployments },
  Deployment: {
    __resolveReference: ({ id }) => byId.get(id) ?? null,
    image: (deployment) => ({ __typename: 'Image', id: deployment.imageId }),
  },
};

const typeDefs = parse(readFileSync(new URL('./deployments.graphql', import.meta.url), 'utf8'));
const server = new ApolloServer({
  schema: buildSubgraphSchema([{ typeDefs, resolvers }]),
  plugins: [ApolloServerPluginInlineTraceDisabled()], // no usage reporting: nothing to trace for
});
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } });
process.stdout.write(`${JSON.stringify({ url })}\n`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.stop().finally(() => process.exit(0)));
}
