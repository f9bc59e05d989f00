/**
 * Face commands, in process through the operation table (the same handlers, validation and errors
 * as the API): detect-faces, compare-faces, collections, index-faces (a folder, with a progress
 * bar), list-faces, search-faces, users, and the celebrity gallery (`celebrities add` has no
 * Rekognition operation: it goes to the gallery service directly).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type {
  CompareFacesResponse,
  DetectFacesResponse,
  IndexFacesResponse,
  ListCollectionsResponse,
  ListFacesResponse,
  ListUsersResponse,
  RecognizeCelebritiesResponse,
  SearchFacesByImageResponse,
  SearchUsersByImageResponse,
} from '@aws-sdk/client-rekognition';
import { BYTES_LIMITS, decodeImage } from '../media/image.js';
import { flagNumber, flagString, type Parsed } from './args.js';
import { renderTable } from './table.js';
import { imageArgument, runImageCommand, withServices, type Built } from './image-command.js';
import { progress } from './progress.js';


const box = (b: { Left?: number; Top?: number; Width?: number; Height?: number } | undefined) => (b ? `${b.Left!.toFixed(3)},${b.Top!.toFixed(3)} ${b.Width!.toFixed(3)}x${b.Height!.toFixed(3)}` : '');
const print = (p: Parsed, r: unknown, human: () => void) => (p.flags.has('json') ? console.log(JSON.stringify(r, null, 2)) : human());

/** JPEG and PNG files: the file itself, or those in a folder (sorted, not recursive). */
function imageFiles(paths: string[]): string[] {
  return paths.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().map((f) => join(p, f)) : [p]));
}

/** ExternalImageId from a file name, within Rekognition's pattern [a-zA-Z0-9_.\-:]+ (255 characters). */
export function externalImageId(file: string): string {
  return basename(file, extname(file)).replace(/[^a-zA-Z0-9_.\-:]+/g, '_').slice(0, 255) || 'image';
}

export function detectFacesCommand(p: Parsed): Promise<void> {
  return runImageCommand<DetectFacesResponse>(p, {
    operation: 'DetectFaces',
    usage: 'usage: argus detect-faces <file|s3://bucket/key> [--attributes ALL|DEFAULT|GENDER,AGE_RANGE,...] [--json]',
    request: (args) => ({ Attributes: (flagString(args, 'attributes') ?? 'DEFAULT').split(',') }),
    print(r) {
      const faces = r.FaceDetails ?? [];
      console.log(
        renderTable(
          ['#', 'Box (left,top wxh)', 'Confidence', 'Roll/Yaw/Pitch', 'Age', 'Gender', 'Emotion', 'Smile'],
          faces.map((f, i) => [
            i + 1,
            box(f.BoundingBox),
            f.Confidence!.toFixed(1),
            `${f.Pose!.Roll!.toFixed(0)}/${f.Pose!.Yaw!.toFixed(0)}/${f.Pose!.Pitch!.toFixed(0)}`,
            f.AgeRange ? `${f.AgeRange.Low}-${f.AgeRange.High}` : '',
            f.Gender ? `${f.Gender.Value} ${f.Gender.Confidence!.toFixed(0)}` : '',
            f.Emotions?.[0] ? `${f.Emotions[0].Type} ${f.Emotions[0].Confidence!.toFixed(0)}` : '',
            f.Smile ? String(f.Smile.Value) : '',
          ]),
        ),
      );
      console.log(`\n${faces.length} face${faces.length === 1 ? '' : 's'}`);
    },
  });
}

export async function compareFacesCommand(p: Parsed): Promise<void> {
  const [source, target] = p.positionals;
  if (!source || !target) throw new Error('usage: argus compare-faces <source> <target> [--similarity-threshold 80] [--json]');
  await withServices(async (_b, call) => {
    const threshold = flagNumber(p, 'similarity-threshold');
    const r = await call<CompareFacesResponse>('CompareFaces', { SourceImage: imageArgument(source), TargetImage: imageArgument(target), ...(threshold === undefined ? {} : { SimilarityThreshold: threshold }) });
    print(p, r, () => {
      console.log(`source face ${box(r.SourceImageFace?.BoundingBox)}`);
      console.log(renderTable(['Similarity', 'Target face'], r.FaceMatches!.map((m) => [m.Similarity!.toFixed(1), box(m.Face!.BoundingBox)])));
      console.log(`\n${r.FaceMatches!.length} match${r.FaceMatches!.length === 1 ? '' : 'es'}, ${r.UnmatchedFaces!.length} unmatched`);
    });
  });
}

export async function collectionsCommand(p: Parsed): Promise<void> {
  const [action = 'list', id] = p.positionals;
  const usage = 'usage: argus collections [list | create <id> | describe <id> | delete <id>] [--json]';
  await withServices(async (_b, call) => {
    if (action === 'list') {
      const ids: string[] = [];
      let token: string | undefined;
      do {
        const r: ListCollectionsResponse = await call('ListCollections', token ? { NextToken: token } : {});
        ids.push(...(r.CollectionIds ?? []));
        token = r.NextToken;
      } while (token);
      return print(p, { CollectionIds: ids }, () => console.log(ids.length ? ids.join('\n') : 'no collections'));
    }
    if (!id || !['create', 'describe', 'delete'].includes(action)) throw new Error(usage);
    const op = { create: 'CreateCollection', describe: 'DescribeCollection', delete: 'DeleteCollection' }[action]!;
    const r = await call<Record<string, unknown>>(op, { CollectionId: id });
    print(p, r, () => {
      for (const [k, v] of Object.entries(r)) console.log(`${k}: ${v instanceof Date ? v.toISOString() : String(v)}`);
    });
  });
}

export async function indexFacesCommand(p: Parsed): Promise<void> {
  const [collection, ...paths] = p.positionals;
  if (!collection || !paths.length) throw new Error('usage: argus index-faces <collection> <folder|file>... [--max-faces N] [--quality-filter AUTO|NONE|LOW|MEDIUM|HIGH] [--json]');
  const files = imageFiles(paths);
  await withServices(async (_b, call) => {
    const bar = progress(`indexing into ${collection}`, files.length);
    const results: { file: string; indexed: number; unindexed: number; error?: string }[] = [];
    const maxFaces = flagNumber(p, 'max-faces');
    const filter = flagString(p, 'quality-filter');
    for (const file of files) {
      try {
        const r = await call<IndexFacesResponse>('IndexFaces', {
          CollectionId: collection,
          Image: { Bytes: readFileSync(file).toString('base64') },
          ExternalImageId: externalImageId(file),
          ...(maxFaces === undefined ? {} : { MaxFaces: maxFaces }),
          ...(filter ? { QualityFilter: filter } : {}),
        });
        results.push({ file, indexed: r.FaceRecords!.length, unindexed: r.UnindexedFaces!.length });
      } catch (err) {
        // One bad photo never stops a folder; it is reported below.
        results.push({ file, indexed: 0, unindexed: 0, error: `${(err as { type?: string }).type ?? 'Error'}: ${(err as Error).message}` });
      }
      bar.tick(basename(file));
    }
    bar.done();
    print(p, results, () => {
      const failed = results.filter((r) => r.error);
      console.log(`${results.reduce((s, r) => s + r.indexed, 0)} faces indexed from ${files.length} images; ${results.reduce((s, r) => s + r.unindexed, 0)} not indexed; ${failed.length} images failed`);
      for (const f of failed) console.log(`  ${f.file}: ${f.error}`);
    });
    if (results.some((r) => r.error)) process.exitCode = 1;
  });
}

export async function listFacesCommand(p: Parsed): Promise<void> {
  const [collection] = p.positionals;
  if (!collection) throw new Error('usage: argus list-faces <collection> [--json]');
  await withServices(async (_b, call) => {
    const faces: NonNullable<ListFacesResponse['Faces']> = [];
    let token: string | undefined;
    do {
      const r: ListFacesResponse = await call('ListFaces', { CollectionId: collection, MaxResults: 1000, ...(token ? { NextToken: token } : {}) });
      faces.push(...(r.Faces ?? []));
      token = r.NextToken;
    } while (token);
    print(p, faces, () => {
      console.log(renderTable(['FaceId', 'ExternalImageId', 'UserId', 'Confidence'], faces.map((f) => [f.FaceId!, f.ExternalImageId ?? '', f.UserId ?? '', f.Confidence!.toFixed(1)])));
      console.log(`\n${faces.length} faces`);
    });
  });
}

export async function searchFacesCommand(p: Parsed): Promise<void> {
  const [collection, image] = p.positionals;
  if (!collection || !image) throw new Error('usage: argus search-faces <collection> <file|s3://bucket/key> [--threshold 80] [--max-faces N] [--json]');
  await withServices(async (_b, call) => {
    const threshold = flagNumber(p, 'threshold');
    const maxFaces = flagNumber(p, 'max-faces');
    const r = await call<SearchFacesByImageResponse>('SearchFacesByImage', {
      CollectionId: collection,
      Image: imageArgument(image),
      ...(threshold === undefined ? {} : { FaceMatchThreshold: threshold }),
      ...(maxFaces === undefined ? {} : { MaxFaces: maxFaces }),
    });
    print(p, r, () => {
      console.log(`searched face ${box(r.SearchedFaceBoundingBox)}`);
      console.log(renderTable(['Similarity', 'FaceId', 'ExternalImageId', 'UserId'], r.FaceMatches!.map((m) => [m.Similarity!.toFixed(1), m.Face!.FaceId!, m.Face!.ExternalImageId ?? '', m.Face!.UserId ?? ''])));
      console.log(`\n${r.FaceMatches!.length} match${r.FaceMatches!.length === 1 ? '' : 'es'}`);
    });
  });
}

export async function usersCommand(p: Parsed): Promise<void> {
  const [action, collection, user, ...rest] = p.positionals;
  const usage = 'usage: argus users [list <collection> | create <collection> <user> | delete <collection> <user> | associate <collection> <user> <faceId>... | search <collection> <image>] [--json]';
  if (!action || !collection) throw new Error(usage);
  await withServices(async (_b, call) => {
    switch (action) {
      case 'list': {
        const users: NonNullable<ListUsersResponse['Users']> = [];
        let token: string | undefined;
        do {
          const r: ListUsersResponse = await call('ListUsers', { CollectionId: collection, ...(token ? { NextToken: token } : {}) });
          users.push(...(r.Users ?? []));
          token = r.NextToken;
        } while (token);
        return print(p, users, () => console.log(renderTable(['UserId', 'Status'], users.map((u) => [u.UserId!, u.UserStatus!]))));
      }
      case 'create':
      case 'delete':
        if (!user) throw new Error(usage);
        await call(action === 'create' ? 'CreateUser' : 'DeleteUser', { CollectionId: collection, UserId: user });
        return console.log(`${action === 'create' ? 'created' : 'deleted'} user ${user}`);
      case 'associate': {
        if (!user || !rest.length) throw new Error(usage);
        const r = await call<Record<string, unknown>>('AssociateFaces', { CollectionId: collection, UserId: user, FaceIds: rest });
        return print(p, r, () => console.log(JSON.stringify(r, null, 2)));
      }
      case 'search': {
        if (!user) throw new Error(usage);
        const r = await call<SearchUsersByImageResponse>('SearchUsersByImage', { CollectionId: collection, Image: imageArgument(user) });
        return print(p, r, () => console.log(renderTable(['Similarity', 'UserId', 'Status'], (r.UserMatches ?? []).map((m) => [m.Similarity!.toFixed(1), m.User!.UserId!, m.User!.UserStatus!]))));
      }
      default:
        throw new Error(usage);
    }
  });
}

export async function celebritiesCommand(p: Parsed): Promise<void> {
  const [action = 'list', ...rest] = p.positionals;
  const usage = 'usage: argus celebrities [list | add --name NAME [--urls U1,U2] [--gender Male|Female|Nonbinary|Unlisted] <photo>... | remove <id> | recognize <image>] [--json]';
  await withServices(async (b, call) => {
    const gallery = b.services.celebrities;
    switch (action) {
      case 'list': {
        const all = gallery.list();
        return print(p, all, () => console.log(all.length ? renderTable(['Id', 'Name', 'Faces', 'Urls'], all.map((c) => [c.id, c.name, c.faceCount, c.urls.join(' ')])) : 'the gallery is empty'));
      }
      case 'add': {
        const name = flagString(p, 'name');
        if (!name || !rest.length) throw new Error(usage);
        const files = imageFiles(rest);
        const images = await Promise.all(files.map(async (f) => ({ name: f, img: await decodeImage(readFileSync(f), BYTES_LIMITS) })));
        const gender = flagString(p, 'gender');
        const c = await gallery.add({ name, urls: (flagString(p, 'urls') ?? '').split(',').filter(Boolean), ...(gender ? { knownGender: gender } : {}), images });
        return print(p, c, () => console.log(`added ${c.name} as ${c.id} with ${c.faceCount} reference face${c.faceCount === 1 ? '' : 's'}`));
      }
      case 'remove':
        if (!rest[0]) throw new Error(usage);
        gallery.remove(rest[0]);
        return console.log(`removed ${rest[0]}`);
      case 'recognize': {
        if (!rest[0]) throw new Error(usage);
        const r = await call<RecognizeCelebritiesResponse>('RecognizeCelebrities', { Image: imageArgument(rest[0]) });
        return print(p, r, () => {
          console.log(renderTable(['Name', 'Id', 'Match', 'Face'], r.CelebrityFaces!.map((c) => [c.Name!, c.Id!, c.MatchConfidence!.toFixed(1), box(c.Face!.BoundingBox)])));
          console.log(`\n${r.CelebrityFaces!.length} recognized, ${r.UnrecognizedFaces!.length} unrecognized`);
        });
      }
      default:
        throw new Error(usage);
    }
  });
}
