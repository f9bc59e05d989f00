/**
 * RecognizeCelebrities and GetCelebrityInfo against the gallery the operator loads
 * (`argus celebrities add`): each face of the image is compared with every reference face of the
 * gallery (exact search: galleries are small) and named when the best similarity reaches
 * MATCH_THRESHOLD. With an empty gallery every face is unrecognized; nothing is guessed.
 */
import { randomBytes } from 'node:crypto';
import type { DecodedImage } from '../media/image.js';
import type { CelebrityRecord, CelebrityRepository } from '../stores/metadata.js';
import type { AnalyzedFace } from '../vision/faces/face.js';
import { cosine } from '../vision/faces/embedding.js';
import { InvalidParameter, ResourceNotFound } from '../edge/errors.js';
import type { FaceEngine } from './face-engine.js';

/**
 * Similarity a face needs to be named: 90, where eval-data's 5494 different-person pairs had no
 * false accept and 98.5 % of same-person pairs passed (bench/face-verify-eval.ts). A wrong name
 * is worse than none.
 */
export const MATCH_THRESHOLD = 90;
/** Rekognition recognizes at most the 64 largest faces. */
export const MAX_FACES = 64;
const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 8 random alphanumerics (GetCelebrityInfo's Id pattern is [0-9A-Za-z]*). */
export function celebrityId(): string {
  return [...randomBytes(8)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('');
}

export const KNOWN_GENDERS = Object.freeze(['Male', 'Female', 'Nonbinary', 'Unlisted']);

export interface RecognizedFace {
  face: AnalyzedFace;
  celebrity: CelebrityRecord;
  /** Calibrated similarity 0-100 with the closest reference face. */
  matchConfidence: number;
}

export class CelebritiesService {
  constructor(
    private readonly store: CelebrityRepository,
    private readonly engine: FaceEngine,
  ) {}

  /** Adds a person from reference photos, each with one face (the largest is used). */
  async add(o: { name: string; urls: string[]; knownGender?: string; images: { name: string; img: DecodedImage }[] }): Promise<CelebrityRecord> {
    if (!o.name.trim()) throw InvalidParameter('A celebrity needs a name.');
    if (o.knownGender !== undefined && !KNOWN_GENDERS.includes(o.knownGender)) throw InvalidParameter(`KnownGender must be one of ${KNOWN_GENDERS.join(', ')}.`);
    if (!o.images.length) throw InvalidParameter('A celebrity needs at least one reference photo.');
    const faces: Float32Array[] = [];
    for (const { name, img } of o.images) {
      const [face] = await this.engine.analyze(img, { attributes: 'DEFAULT', embeddings: true });
      if (!face) throw InvalidParameter(`There is no face in ${name}.`);
      faces.push(face.embedding!);
    }
    const id = celebrityId();
    return this.store.add({ id, name: o.name.trim(), urls: o.urls, ...(o.knownGender ? { knownGender: o.knownGender } : {}) }, faces, this.engine.faceModelVersion);
  }

  list(): CelebrityRecord[] {
    return this.store.list();
  }

  remove(id: string): void {
    if (!this.store.remove(id)) throw ResourceNotFound(`Celebrity ${id} is not in the gallery.`);
  }

  info(id: string): CelebrityRecord {
    const c = this.store.get(id);
    if (!c) throw ResourceNotFound(`Celebrity ${id} is not in the gallery.`);
    return c;
  }

  /** The image's faces (largest 64), split into recognized and unrecognized. */
  async recognize(img: DecodedImage): Promise<{ recognized: RecognizedFace[]; unrecognized: AnalyzedFace[] }> {
    const faces = (await this.engine.analyze(img, { attributes: new Set(['SMILE', 'EMOTIONS']), embeddings: true })).slice(0, MAX_FACES);
    const gallery = this.store.faces(this.engine.faceModelVersion);
    const people = new Map<string, CelebrityRecord>();
    const recognized: RecognizedFace[] = [];
    const unrecognized: AnalyzedFace[] = [];
    for (const face of faces) {
      let best = { id: '', c: -Infinity };
      for (const g of gallery) {
        const c = cosine(face.embedding!, g.embedding);
        if (c > best.c) best = { id: g.celebrityId, c };
      }
      const similarity = best.id ? this.engine.similarityFromCosine(best.c) : 0;
      if (similarity < MATCH_THRESHOLD) {
        unrecognized.push(face);
        continue;
      }
      if (!people.has(best.id)) people.set(best.id, this.store.get(best.id)!);
      recognized.push({ face, celebrity: people.get(best.id)!, matchConfidence: similarity });
    }
    return { recognized, unrecognized };
  }
}
