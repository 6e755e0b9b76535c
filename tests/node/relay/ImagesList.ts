import { graphql } from "react-relay";

// Relay pagination over the images connection, with the completeness of the count.
export const imagesList = graphql`
  fragment ImagesList_query on Query
  @refetchable(queryName: "ImagesListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" },
                       createdAfter: { type: "String" }) {
    images(first: $count, after: $cursor, filter: { createdAfter: $createdAfter })
    @connection(key: "ImagesList_images", filters: ["filter"]) {
      totalCount
      complete
      failedSources
      edges { node { id name createdAt } }
    }
  }
`;
