/** TagResource, UntagResource and ListTagsForResource on the wire (services/tags.ts). */
import type { ListTagsForResourceRequest, ListTagsForResourceResponse, TagResourceRequest, UntagResourceRequest } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';

const tagResource: Handler = async (input: TagResourceRequest, services) => {
  services.tags.tag(input.ResourceArn!, input.Tags!);
  return {};
};

const untagResource: Handler = async (input: UntagResourceRequest, services) => {
  services.tags.untag(input.ResourceArn!, input.TagKeys!);
  return {};
};

const listTagsForResource: Handler = async (input: ListTagsForResourceRequest, services): Promise<ListTagsForResourceResponse> => ({ Tags: services.tags.list(input.ResourceArn!) });

export const tagsHandlers = Object.freeze({ TagResource: tagResource, UntagResource: untagResource, ListTagsForResource: listTagsForResource });
