/** Collections and their faces on the wire: Create/Describe/List/DeleteCollection, IndexFaces, ListFaces, DeleteFaces, SearchFaces(ByImage). */
import type {
  CreateCollectionRequest,
  CreateCollectionResponse,
  DeleteCollectionRequest,
  DeleteCollectionResponse,
  DeleteFacesRequest,
  DeleteFacesResponse,
  DescribeCollectionRequest,
  DescribeCollectionResponse,
  Face,
  IndexFacesRequest,
  IndexFacesResponse,
  ListCollectionsRequest,
  ListCollectionsResponse,
  ListFacesRequest,
  ListFacesResponse,
  SearchFacesByImageRequest,
  SearchFacesByImageResponse,
  SearchFacesRequest,
  SearchFacesResponse,
} from '@aws-sdk/client-rekognition';
import type { StoredFace } from '../stores/metadata.js';
import type { FaceMatch } from '../services/collections.js';
import type { QualityFilter } from '../vision/faces/quality-filter.js';
import type { Handler } from './operation.js';
import { attributeRequest, faceDetail } from './face-wire.js';
import { boundingBox } from './wire.js';

/** Rekognition's Face: IndexFaces answers the first five fields, ListFaces and searches all of them. */
export function faceShape(f: StoredFace, full = true): Face {
  return {
    FaceId: f.faceId,
    BoundingBox: boundingBox(f.box),
    ImageId: f.imageId,
    ...(f.externalImageId === undefined ? {} : { ExternalImageId: f.externalImageId }),
    Confidence: f.confidence,
    ...(full ? { IndexFacesModelVersion: f.indexFacesModelVersion } : {}),
    ...(full && f.userId !== undefined ? { UserId: f.userId } : {}),
  };
}

const faceMatch = (m: FaceMatch) => ({ Similarity: m.similarity, Face: faceShape(m.face) });

const createCollection: Handler = async (input: CreateCollectionRequest, services): Promise<CreateCollectionResponse> => {
  services.tags.check(input.Tags);
  const c = services.collections.createCollection(input.CollectionId!);
  services.tags.created(c.arn, input.Tags);
  return { StatusCode: 200, CollectionArn: c.arn, FaceModelVersion: c.faceModelVersion };
};

const describeCollection: Handler = async (input: DescribeCollectionRequest, services): Promise<DescribeCollectionResponse> => {
  const { collection: c, faceCount, userCount } = services.collections.describeCollection(input.CollectionId!);
  return { FaceCount: faceCount, FaceModelVersion: c.faceModelVersion, CollectionARN: c.arn, CreationTimestamp: c.createdAt, UserCount: userCount };
};

const listCollections: Handler = async (input: ListCollectionsRequest, services): Promise<ListCollectionsResponse> => {
  const page = services.collections.listCollections(input.NextToken, input.MaxResults);
  return {
    CollectionIds: page.items.map((c) => c.collectionId),
    FaceModelVersions: page.items.map((c) => c.faceModelVersion),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

const deleteCollection: Handler = async (input: DeleteCollectionRequest, services): Promise<DeleteCollectionResponse> => {
  services.collections.deleteCollection(input.CollectionId!);
  return { StatusCode: 200 };
};

const indexFaces: Handler = async (input: IndexFacesRequest, services): Promise<IndexFacesResponse> => {
  const img = await services.images.decode(input.Image as never);
  const r = await services.collections.indexFaces(input.CollectionId!, img, {
    ...(input.ExternalImageId === undefined ? {} : { externalImageId: input.ExternalImageId }),
    attributes: attributeRequest(input.DetectionAttributes),
    ...(input.MaxFaces === undefined ? {} : { maxFaces: input.MaxFaces }),
    ...(input.QualityFilter === undefined ? {} : { qualityFilter: input.QualityFilter as QualityFilter }),
  });
  return {
    FaceRecords: r.indexed.map((x) => ({ Face: faceShape(x.face, false), FaceDetail: faceDetail(x.detail) })),
    FaceModelVersion: r.faceModelVersion,
    UnindexedFaces: r.unindexed.map((u) => ({ Reasons: u.reasons, FaceDetail: faceDetail(u.detail) })),
  };
};

const listFaces: Handler = async (input: ListFacesRequest, services): Promise<ListFacesResponse> => {
  const page = services.collections.listFaces(input.CollectionId!, {
    ...(input.NextToken === undefined ? {} : { nextToken: input.NextToken }),
    ...(input.MaxResults === undefined ? {} : { maxResults: input.MaxResults }),
    ...(input.UserId === undefined ? {} : { userId: input.UserId }),
    ...(input.FaceIds === undefined ? {} : { faceIds: input.FaceIds }),
  });
  return { Faces: page.items.map((f) => faceShape(f)), ...(page.nextToken ? { NextToken: page.nextToken } : {}), FaceModelVersion: page.faceModelVersion };
};

const deleteFaces: Handler = async (input: DeleteFacesRequest, services): Promise<DeleteFacesResponse> => {
  const r = services.collections.deleteFaces(input.CollectionId!, input.FaceIds!);
  return { DeletedFaces: r.deleted, UnsuccessfulFaceDeletions: r.notFound.map((FaceId) => ({ FaceId, Reasons: ['FACE_NOT_FOUND'] })) };
};

const searchFaces: Handler = async (input: SearchFacesRequest, services): Promise<SearchFacesResponse> => {
  const r = services.collections.searchFaces(input.CollectionId!, input.FaceId!, {
    ...(input.MaxFaces === undefined ? {} : { maxFaces: input.MaxFaces }),
    ...(input.FaceMatchThreshold === undefined ? {} : { threshold: input.FaceMatchThreshold }),
  });
  return { SearchedFaceId: input.FaceId, FaceMatches: r.matches.map(faceMatch), FaceModelVersion: r.faceModelVersion };
};

const searchFacesByImage: Handler = async (input: SearchFacesByImageRequest, services): Promise<SearchFacesByImageResponse> => {
  const img = await services.images.decode(input.Image as never);
  const r = await services.collections.searchFacesByImage(input.CollectionId!, img, {
    ...(input.MaxFaces === undefined ? {} : { maxFaces: input.MaxFaces }),
    ...(input.FaceMatchThreshold === undefined ? {} : { threshold: input.FaceMatchThreshold }),
    ...(input.QualityFilter === undefined ? {} : { qualityFilter: input.QualityFilter as QualityFilter }),
  });
  return {
    SearchedFaceBoundingBox: boundingBox(r.searched.box),
    SearchedFaceConfidence: r.searched.confidence,
    FaceMatches: r.matches.map(faceMatch),
    FaceModelVersion: r.faceModelVersion,
  };
};

export const collectionsHandlers = Object.freeze({
  CreateCollection: createCollection,
  DescribeCollection: describeCollection,
  ListCollections: listCollections,
  DeleteCollection: deleteCollection,
  IndexFaces: indexFaces,
  ListFaces: listFaces,
  DeleteFaces: deleteFaces,
  SearchFaces: searchFaces,
  SearchFacesByImage: searchFacesByImage,
});
