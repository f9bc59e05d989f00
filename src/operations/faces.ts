/** DetectFaces and CompareFaces on the wire. */
import type { CompareFacesRequest, CompareFacesResponse, DetectFacesRequest, DetectFacesResponse } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import { InvalidParameter } from '../edge/errors.js';
import { qualityReasons, type QualityFilter } from '../vision/faces/quality-filter.js';
import { cosine } from '../vision/faces/embedding.js';
import { attributeRequest, comparedFace, faceDetail } from './face-wire.js';
import { boundingBox } from './wire.js';

const DEFAULT_SIMILARITY_THRESHOLD = 80;
/** CompareFaces compares the source face with the largest 100 faces of the target. */
const MAX_TARGET_FACES = 100;

const detectFaces: Handler = async (input: DetectFacesRequest, services): Promise<DetectFacesResponse> => {
  const img = await services.images.decode(input.Image as never);
  const faces = await services.faces.analyze(img, { attributes: attributeRequest(input.Attributes), embeddings: false });
  return { FaceDetails: faces.map(faceDetail) };
};

const compareFaces: Handler = async (input: CompareFacesRequest, services): Promise<CompareFacesResponse> => {
  const threshold = input.SimilarityThreshold ?? DEFAULT_SIMILARITY_THRESHOLD;
  const filter = (input.QualityFilter ?? 'NONE') as QualityFilter;
  const [source, target] = await Promise.all([services.images.decode(input.SourceImage as never), services.images.decode(input.TargetImage as never)]);
  const [sourceFaces, targetFaces] = await Promise.all([
    services.faces.analyze(source, { attributes: 'DEFAULT', embeddings: true }),
    services.faces.analyze(target, { attributes: 'DEFAULT', embeddings: true }),
  ]);
  const usable = sourceFaces.filter((f) => qualityReasons(f, filter, source.width, source.height).length === 0);
  const src = usable[0];
  if (!src) {
    throw InvalidParameter(sourceFaces.length ? 'The face in the source image does not pass the quality filter.' : 'There are no faces in the source image. Should be at least 1.');
  }
  const matches: CompareFacesResponse['FaceMatches'] = [];
  const unmatched: CompareFacesResponse['UnmatchedFaces'] = [];
  for (const t of targetFaces.slice(0, MAX_TARGET_FACES)) {
    if (qualityReasons(t, filter, target.width, target.height).length) continue;
    const similarity = services.faces.similarityFromCosine(cosine(src.embedding!, t.embedding!));
    if (similarity >= threshold) matches.push({ Similarity: similarity, Face: comparedFace(t) });
    else unmatched.push(comparedFace(t));
  }
  matches.sort((a, b) => b.Similarity! - a.Similarity!);
  return {
    SourceImageFace: { BoundingBox: boundingBox(src.box), Confidence: src.confidence },
    FaceMatches: matches,
    UnmatchedFaces: unmatched,
  };
};

export const facesHandlers = Object.freeze({ DetectFaces: detectFaces, CompareFaces: compareFaces });
