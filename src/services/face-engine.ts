/**
 * The contract between the face pipeline (services/faces.ts: detection, landmarks, attributes,
 * embeddings, calibrated similarity) and the services built on it (collections, users,
 * CompareFaces, celebrities).
 */
import type { DecodedImage } from '../media/image.js';
import type { AnalyzedFace } from '../vision/faces/face.js';

export type FaceAttributeRequest = 'DEFAULT' | 'ALL' | ReadonlySet<string>;

export interface AnalyzeFacesOptions {
  /** 'DEFAULT': box, confidence, landmarks, pose, quality. 'ALL' or a set of FaceAttribute names adds those. */
  attributes: FaceAttributeRequest;
  /** Compute the identity embedding of each face. */
  embeddings: boolean;
}

export interface FaceEngine {
  /** Recorded by each collection; embeddings of different versions are never compared. */
  readonly faceModelVersion: string;
  /** Embedding length. */
  readonly dimensions: number;
  /** Faces found in the image, largest first. */
  analyze(img: DecodedImage, o: AnalyzeFacesOptions): Promise<AnalyzedFace[]>;
  /** Calibrated similarity 0-100 from the cosine of two L2-normalised embeddings (monotonic). */
  similarityFromCosine(cosine: number): number;
  /** The smallest cosine whose similarity is >= `similarity` (for index searches with a threshold). */
  cosineForSimilarity(similarity: number): number;
}
