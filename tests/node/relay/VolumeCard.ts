import { graphql } from "react-relay";

// A refetchable node fragment: Relay refetches it through `node(id:)`.
export const volumeCard = graphql`
  fragment VolumeCard_volume on Volume @refetchable(queryName: "VolumeCardRefetchQuery") {
    name
    sizeGiB
    status
    statusRaw
    createdAt
    tags { key value }
  }
`;
