/** Users of a collection on the wire: Create/Delete/ListUsers, Associate/DisassociateFaces, SearchUsers(ByImage). */
import type {
  AssociateFacesRequest,
  AssociateFacesResponse,
  CreateUserRequest,
  CreateUserResponse,
  DeleteUserRequest,
  DeleteUserResponse,
  DisassociateFacesRequest,
  DisassociateFacesResponse,
  ListUsersRequest,
  ListUsersResponse,
  SearchUsersByImageRequest,
  SearchUsersByImageResponse,
  SearchUsersRequest,
  SearchUsersResponse,
} from '@aws-sdk/client-rekognition';
import type { UserMatch } from '../services/collections.js';
import type { QualityFilter } from '../vision/faces/quality-filter.js';
import type { Handler } from './operation.js';
import { faceDetail } from './face-wire.js';

const userMatch = (m: UserMatch) => ({ Similarity: m.similarity, User: { UserId: m.userId, UserStatus: m.status } });

const createUser: Handler = async (input: CreateUserRequest, services): Promise<CreateUserResponse> => {
  services.collections.createUser(input.CollectionId!, input.UserId!);
  return {};
};

const deleteUser: Handler = async (input: DeleteUserRequest, services): Promise<DeleteUserResponse> => {
  services.collections.deleteUser(input.CollectionId!, input.UserId!);
  return {};
};

const listUsers: Handler = async (input: ListUsersRequest, services): Promise<ListUsersResponse> => {
  const page = services.collections.listUsers(input.CollectionId!, input.NextToken, input.MaxResults);
  return { Users: page.items.map((u) => ({ UserId: u.userId, UserStatus: u.status })), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
};

const associateFaces: Handler = async (input: AssociateFacesRequest, services): Promise<AssociateFacesResponse> => {
  const r = services.collections.associateFaces(input.CollectionId!, input.UserId!, input.FaceIds!, input.UserMatchThreshold);
  return {
    AssociatedFaces: r.associated.map((FaceId) => ({ FaceId })),
    UnsuccessfulFaceAssociations: r.unsuccessful.map((u) => ({
      FaceId: u.faceId,
      ...(u.userId === undefined ? {} : { UserId: u.userId }),
      ...(u.confidence === undefined ? {} : { Confidence: u.confidence }),
      Reasons: u.reasons,
    })),
    UserStatus: r.status,
  };
};

const disassociateFaces: Handler = async (input: DisassociateFacesRequest, services): Promise<DisassociateFacesResponse> => {
  const r = services.collections.disassociateFaces(input.CollectionId!, input.UserId!, input.FaceIds!);
  return {
    DisassociatedFaces: r.disassociated.map((FaceId) => ({ FaceId })),
    UnsuccessfulFaceDisassociations: r.unsuccessful.map((u) => ({ FaceId: u.faceId, ...(u.userId === undefined ? {} : { UserId: u.userId }), Reasons: u.reasons as ('FACE_NOT_FOUND' | 'ASSOCIATED_TO_A_DIFFERENT_USER')[] })),
    UserStatus: r.status,
  };
};

const searchUsers: Handler = async (input: SearchUsersRequest, services): Promise<SearchUsersResponse> => {
  const r = services.collections.searchUsers(
    input.CollectionId!,
    { ...(input.FaceId === undefined ? {} : { faceId: input.FaceId }), ...(input.UserId === undefined ? {} : { userId: input.UserId }) },
    {
      ...(input.UserMatchThreshold === undefined ? {} : { threshold: input.UserMatchThreshold }),
      ...(input.MaxUsers === undefined ? {} : { maxUsers: input.MaxUsers }),
    },
  );
  return {
    UserMatches: r.matches.map(userMatch),
    FaceModelVersion: r.faceModelVersion,
    ...(input.FaceId === undefined ? {} : { SearchedFace: { FaceId: input.FaceId } }),
    ...(input.UserId === undefined ? {} : { SearchedUser: { UserId: input.UserId } }),
  };
};

const searchUsersByImage: Handler = async (input: SearchUsersByImageRequest, services): Promise<SearchUsersByImageResponse> => {
  const img = await services.images.decode(input.Image as never);
  const r = await services.collections.searchUsersByImage(input.CollectionId!, img, {
    ...(input.UserMatchThreshold === undefined ? {} : { threshold: input.UserMatchThreshold }),
    ...(input.MaxUsers === undefined ? {} : { maxUsers: input.MaxUsers }),
    ...(input.QualityFilter === undefined ? {} : { qualityFilter: input.QualityFilter as QualityFilter }),
  });
  return {
    UserMatches: r.matches.map(userMatch),
    FaceModelVersion: r.faceModelVersion,
    SearchedFace: { FaceDetail: faceDetail(r.searched) },
    UnsearchedFaces: r.unsearched.map((u) => ({ FaceDetails: faceDetail(u.detail), Reasons: u.reasons })),
  };
};

export const usersHandlers = Object.freeze({
  CreateUser: createUser,
  DeleteUser: deleteUser,
  ListUsers: listUsers,
  AssociateFaces: associateFaces,
  DisassociateFaces: disassociateFaces,
  SearchUsers: searchUsers,
  SearchUsersByImage: searchUsersByImage,
});
