// Relay documents the test suite compiles against schema.client.graphql (tests/e2e/test_client_schema.py).
import { graphql } from "react-relay";

// One selection over both node types: the fields they share have one type, so no alias is needed
// (`status` is ImageStatus or VolumeStatus, so it takes an alias on one side).
export const nodesQuery = graphql`
  query NodesQuery($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Image { provider location name sizeGiB createdAt statusRaw imageStatus: status }
      ... on Volume { provider location name sizeGiB createdAt statusRaw volumeStatus: status volumeId }
    }
  }
`;
