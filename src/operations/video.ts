/**
 * Stored video on the wire: the Start* operations (a job per call, services/video-jobs.ts) and
 * the Get* operations (the shared envelope, then the job's items sorted, aggregated and paged as
 * Rekognition does). While a job runs, Get answers IN_PROGRESS with how far it has got in
 * StatusMessage and in `Progress` (0-100, an Argus extension the SDKs ignore).
 */
import type { StartSegmentDetectionRequest, StartContentModerationRequest, StartFaceDetectionRequest, StartFaceSearchRequest, StartLabelDetectionRequest, StartTextDetectionRequest, Video, VideoMetadata as WireVideoMetadata } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import type { Services } from '../services/services.js';
import type { VideoMetadata } from '../media/video.js';
import type { StartVideoJob, VideoAnalyser } from '../services/video-jobs.js';
import type { Segment, SegmentType } from '../vision/video/segments.js';
import * as analysers from '../services/video-analysers.js';
import { InvalidParameter } from '../edge/errors.js';
import { decodePageToken, encodePageToken } from '../services/page-token.js';
import { attributeRequest, comparedFace, faceDetail } from './face-wire.js';
import { boundingBox, label } from './wire.js';
import { textDetections, textSelection } from './text.js';
import { faceShape } from './collections.js';

const MAX_RESULTS = 1000;
/** StartLabelDetection's and StartContentModeration's MinConfidence default. */
const DEFAULT_MIN_CONFIDENCE = 50;

interface StartInput {
  Video?: Video;
  ClientRequestToken?: string;
  JobTag?: string;
  NotificationChannel?: { SNSTopicArn?: string };
}

function startRequest(input: StartInput): StartVideoJob {
  const s3 = input.Video?.S3Object;
  if (!s3?.Bucket || !s3.Name) throw InvalidParameter('Video.S3Object needs Bucket and Name.');
  return {
    video: { bucket: s3.Bucket, name: s3.Name },
    ...(input.ClientRequestToken ? { clientRequestToken: input.ClientRequestToken } : {}),
    ...(input.JobTag ? { jobTag: input.JobTag } : {}),
    ...(input.NotificationChannel?.SNSTopicArn ? { snsTopicArn: input.NotificationChannel.SNSTopicArn } : {}),
  };
}

/** A Start handler: validates what the analyser needs at call time, then starts the job. */
function start<I extends StartInput>(api: string, analyser: (input: I, s: Services) => (meta: VideoMetadata) => VideoAnalyser): Handler {
  return async (input: I, services) => ({ JobId: services.video.start(api, startRequest(input), analyser(input, services)) });
}

const videoMetadata = (m: VideoMetadata): WireVideoMetadata => ({
  Codec: m.codec,
  DurationMillis: m.durationMs,
  Format: m.format,
  FrameRate: m.frameRate,
  FrameHeight: m.frameHeight,
  FrameWidth: m.frameWidth,
  ColorRange: m.colorRange,
});

interface GetInput {
  JobId: string;
  MaxResults?: number;
  NextToken?: string;
  SortBy?: string;
  AggregateBy?: string;
}

/**
 * A Get handler: the envelope for any status; once SUCCEEDED, `items` turns the job's result
 * into the full sorted list and `field` names the list on the wire.
 */
function get<R>(api: string, field: string, items: (result: R, input: GetInput, meta: VideoMetadata) => object[], extra: (result: R | undefined) => object = () => ({})): Handler {
  return async (input: GetInput, services) => {
    const job = services.video.get(api, input.JobId);
    const done = job.status === 'SUCCEEDED' && job.result;
    const envelope = {
      JobStatus: job.status,
      JobId: job.id,
      Video: { S3Object: { Bucket: job.input.video.bucket, Name: job.input.video.name } },
      ...(job.input.jobTag ? { JobTag: job.input.jobTag } : {}),
      ...(job.status === 'FAILED' ? { StatusMessage: job.message ?? 'The job failed.' } : {}),
      ...(job.status === 'IN_PROGRESS' ? { StatusMessage: `${Math.floor(job.progress * 100)} % analysed.`, Progress: Math.floor(job.progress * 100) } : {}),
      ...(done ? { VideoMetadata: api === 'StartSegmentDetection' ? [videoMetadata(job.result!.metadata)] : videoMetadata(job.result!.metadata) } : {}),
      ...extra(done ? (job.result!.result as R) : undefined),
    };
    if (!done) return { ...envelope, [field]: [] };
    const all = items(job.result!.result as R, input, job.result!.metadata);
    const scope = `${job.id}/${input.SortBy ?? ''}/${input.AggregateBy ?? ''}`;
    const from = input.NextToken ? decodePageToken<number>(input.NextToken, api, scope, 'number') : 0;
    const size = Math.min(input.MaxResults ?? MAX_RESULTS, MAX_RESULTS);
    const page = all.slice(from, from + size);
    return { ...envelope, [field]: page, ...(from + size < all.length ? { NextToken: encodePageToken(api, scope, from + size) } : {}) };
  };
}

/** Sorts by name (then time) or by time (then name), Rekognition's two orders. */
function byNameOrTime<T extends { t: number }>(xs: T[], sortBy: string | undefined, name: (x: T) => string | number): T[] {
  const byName = (a: T, b: T) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0);
  return [...xs].sort(sortBy === 'TIMESTAMP' || sortBy === undefined ? (a, b) => a.t - b.t || byName(a, b) : (a, b) => byName(a, b) || a.t - b.t);
}

/** Consecutive samples of the same name (no gap longer than 1.5 sampling intervals) as one segment. */
function segments<T extends { t: number }>(xs: T[], everyMs: number, name: (x: T) => string): { first: T; best: T; start: number; end: number }[] {
  const open = new Map<string, { first: T; best: T; start: number; end: number; confidence: number }>();
  const out: { first: T; best: T; start: number; end: number }[] = [];
  for (const x of [...xs].sort((a, b) => a.t - b.t)) {
    const key = name(x);
    const s = open.get(key);
    const confidence = (x as { label?: { confidence?: number } }).label?.confidence ?? 0;
    if (s && x.t - s.end <= everyMs * 1.5) {
      s.end = x.t;
      if (confidence > s.confidence) Object.assign(s, { best: x, confidence });
    } else {
      if (s) out.push(s);
      open.set(key, { first: x, best: x, start: x.t, end: x.t, confidence });
    }
  }
  out.push(...open.values());
  return out.sort((a, b) => a.start - b.start || (name(a.first) < name(b.first) ? -1 : 1));
}

const segmentTimes = (s: { start: number; end: number }, everyMs: number, durationMs: number) => {
  const end = Math.min(durationMs, s.end + everyMs);
  return { Timestamp: s.start, StartTimestampMillis: s.start, EndTimestampMillis: end, DurationMillis: end - s.start };
};

// ---- Start ----------------------------------------------------------------------------------

const startLabelDetection = start('StartLabelDetection', (input: StartLabelDetectionRequest, s) => {
  const g = input.Settings?.GeneralLabels;
  const filters = { labelInclusion: g?.LabelInclusionFilters, labelExclusion: g?.LabelExclusionFilters, categoryInclusion: g?.LabelCategoryInclusionFilters, categoryExclusion: g?.LabelCategoryExclusionFilters };
  return () => analysers.labelsAnalyser(s, { minConfidence: input.MinConfidence ?? DEFAULT_MIN_CONFIDENCE, filters });
});

const startFaceDetection = start('StartFaceDetection', (input: StartFaceDetectionRequest, s) => () => analysers.facesAnalyser(s, { attributes: attributeRequest([input.FaceAttributes ?? 'DEFAULT']) }));

const startContentModeration = start('StartContentModeration', (input: StartContentModerationRequest, s) => () => analysers.moderationAnalyser(s, { minConfidence: input.MinConfidence ?? DEFAULT_MIN_CONFIDENCE }));

const startTextDetection = start('StartTextDetection', (input: StartTextDetectionRequest, s) => {
  const selection = textSelection(input.Filters);
  return () => analysers.textAnalyser(s, selection);
});

const startCelebrityRecognition = start('StartCelebrityRecognition', (_input: StartInput, s) => () => analysers.celebritiesAnalyser(s));

const startFaceSearch = start('StartFaceSearch', (input: StartFaceSearchRequest, s) => {
  s.collections.describeCollection(input.CollectionId!); // ResourceNotFoundException now, not a failed job later
  return (meta) => analysers.faceSearchAnalyser(s, meta, { collectionId: input.CollectionId!, threshold: input.FaceMatchThreshold ?? 80 });
});

const startSegmentDetection = start('StartSegmentDetection', (input: StartSegmentDetectionRequest) => {
  const cue = input.Filters?.TechnicalCueFilter;
  const black = cue?.BlackFrame;
  const o = {
    types: [...new Set(input.SegmentTypes!)] as SegmentType[],
    ...(black ? { blackFrame: { ...(black.MaxPixelThreshold === undefined ? {} : { maxPixelThreshold: black.MaxPixelThreshold }), ...(black.MinCoveragePercentage === undefined ? {} : { minCoveragePercentage: black.MinCoveragePercentage }) } } : {}),
    ...(cue?.MinSegmentConfidence === undefined ? {} : { minCueConfidence: cue.MinSegmentConfidence }),
    ...(input.Filters?.ShotFilter?.MinSegmentConfidence === undefined ? {} : { minShotConfidence: input.Filters.ShotFilter.MinSegmentConfidence }),
  };
  return (meta) => analysers.segmentsAnalyser(meta, o);
});

const startPersonTracking = start('StartPersonTracking', (_input: StartInput, s) => (meta) => analysers.personTrackingAnalyser(s, meta));

// ---- Get ------------------------------------------------------------------------------------

const getLabelDetection = get<analysers.LabelsResult>(
  'StartLabelDetection',
  'Labels',
  (r, input, meta) => {
    if (input.AggregateBy === 'SEGMENTS') {
      const segs = segments(r.items, r.everyMs, (x) => x.label.name).map((s) => ({ ...segmentTimes(s, r.everyMs, meta.durationMs), Label: { ...label(s.best.label), Instances: [] } }));
      return input.SortBy === 'NAME' ? segs.sort((a, b) => (a.Label.Name < b.Label.Name ? -1 : a.Label.Name > b.Label.Name ? 1 : a.Timestamp - b.Timestamp)) : segs;
    }
    return byNameOrTime(r.items, input.SortBy, (x) => x.label.name).map((x) => ({ Timestamp: x.t, Label: label(x.label) }));
  },
  (r) => ({ ...(r ? { LabelModelVersion: r.modelVersion } : {}) }),
);

const getFaceDetection = get<analysers.FacesResult>('StartFaceDetection', 'Faces', (r) => r.items.map((x) => ({ Timestamp: x.t, Face: faceDetail(x.face) })));

const getContentModeration = get<analysers.ModerationResult>(
  'StartContentModeration',
  'ModerationLabels',
  (r, input, meta) => {
    const wire = (x: analysers.ModerationResult['items'][number]) => ({ Confidence: x.label.confidence, Name: x.label.name, ParentName: x.label.parentName, TaxonomyLevel: x.label.taxonomyLevel });
    const types = (x: analysers.ModerationResult['items'][number]) => x.contentTypes.map((c) => ({ Confidence: c.confidence, Name: c.name }));
    if (input.AggregateBy === 'SEGMENTS') return segments(r.items, r.everyMs, (x) => x.label.name).map((s) => ({ ...segmentTimes(s, r.everyMs, meta.durationMs), ModerationLabel: wire(s.best), ContentTypes: types(s.best) }));
    return byNameOrTime(r.items, input.SortBy, (x) => x.label.name).map((x) => ({ Timestamp: x.t, ModerationLabel: wire(x), ContentTypes: types(x) }));
  },
  (r) => ({ ...(r ? { ModerationModelVersion: r.modelVersion } : {}) }),
);

const getTextDetection = get<analysers.TextResult>(
  'StartTextDetection',
  'TextDetections',
  (r) => r.items.flatMap((x) => textDetections(x.lines).map((d) => ({ Timestamp: x.t, TextDetection: d }))),
  (r) => ({ ...(r ? { TextModelVersion: r.modelVersion } : {}) }),
);

const getCelebrityRecognition = get<analysers.CelebritiesResult>('StartCelebrityRecognition', 'Celebrities', (r, input) =>
  byNameOrTime(r.items, input.SortBy === 'ID' ? 'NAME' : 'TIMESTAMP', (x) => x.celebrity.id).map((x) => ({
    Timestamp: x.t,
    Celebrity: {
      Urls: x.celebrity.urls,
      Name: x.celebrity.name,
      Id: x.celebrity.id,
      Confidence: x.confidence,
      BoundingBox: boundingBox(x.face.box),
      Face: comparedFace(x.face),
      ...(x.celebrity.knownGender ? { KnownGender: { Type: x.celebrity.knownGender } } : {}),
    },
  })),
);

const getFaceSearch = get<analysers.FaceSearchResult>('StartFaceSearch', 'Persons', (r, input) =>
  byNameOrTime(r.items, input.SortBy === 'INDEX' ? 'NAME' : 'TIMESTAMP', (x) => x.index).map((x) => ({
    Timestamp: x.t,
    Person: { Index: x.index, BoundingBox: boundingBox(x.person), Face: comparedFace(x.face) },
    FaceMatches: x.matches.map((m) => ({ Similarity: m.similarity, Face: faceShape(m.face) })),
  })),
);

/** Rekognition's PersonDetection list, plus `PersonMotion` (speed and action cues per person, an Argus extension the SDKs ignore). */
const getPersonTracking = get<analysers.PersonTrackingResult>(
  'StartPersonTracking',
  'Persons',
  (r, input) => byNameOrTime(r.items, input.SortBy === 'INDEX' ? 'NAME' : 'TIMESTAMP', (x) => x.index).map((x) => ({ Timestamp: x.t, Person: { Index: x.index, BoundingBox: boundingBox(x.box) } })),
  (r) => ({
    ...(r
      ? {
          PersonMotion: r.motion.map((m) => ({
            Index: m.index,
            MeanSpeedBodyHeightsPerSecond: m.meanSpeed,
            MaxSpeedBodyHeightsPerSecond: m.maxSpeed,
            Actions: m.actions.map((a) => ({ Action: a.action, StartTimestampMillis: a.startMs, EndTimestampMillis: a.endMs, Confidence: a.confidence })),
          })),
        }
      : {}),
  }),
);

const SEGMENT_MODEL_VERSION = 'argus-segments-1.0';

/** Rekognition's SegmentDetection, plus `CameraMotion` on shots (an Argus extension the SDKs ignore). */
const segmentDetection = (s: Segment) => ({
  Type: s.type,
  StartTimestampMillis: s.startTimestampMillis,
  EndTimestampMillis: s.endTimestampMillis,
  DurationMillis: s.durationMillis,
  StartTimecodeSMPTE: s.startTimecodeSMPTE,
  EndTimecodeSMPTE: s.endTimecodeSMPTE,
  DurationSMPTE: s.durationSMPTE,
  StartFrameNumber: s.startFrameNumber,
  EndFrameNumber: s.endFrameNumber,
  DurationFrames: s.durationFrames,
  ...(s.technicalCueSegment ? { TechnicalCueSegment: { Type: s.technicalCueSegment.type, Confidence: s.technicalCueSegment.confidence } } : {}),
  ...(s.shotSegment ? { ShotSegment: { Index: s.shotSegment.index, Confidence: s.shotSegment.confidence } } : {}),
  ...(s.cameraMotion
    ? { CameraMotion: { Type: s.cameraMotion.type, Confidence: s.cameraMotion.confidence, VelocityX: s.cameraMotion.meanVelocity.x, VelocityY: s.cameraMotion.meanVelocity.y, ZoomRate: s.cameraMotion.zoomRate } }
    : {}),
});

const getSegmentDetection = get<analysers.SegmentsResult>(
  'StartSegmentDetection',
  'Segments',
  (r) => r.segments.map(segmentDetection),
  (r) => ({ ...(r ? { SelectedSegmentTypes: r.types.map((Type) => ({ Type, ModelVersion: SEGMENT_MODEL_VERSION })), AudioMetadata: [] } : {}) }),
);

export const videoHandlers = Object.freeze({
  StartPersonTracking: startPersonTracking,
  GetPersonTracking: getPersonTracking,
  StartSegmentDetection: startSegmentDetection,
  GetSegmentDetection: getSegmentDetection,
  StartLabelDetection: startLabelDetection,
  GetLabelDetection: getLabelDetection,
  StartFaceDetection: startFaceDetection,
  GetFaceDetection: getFaceDetection,
  StartFaceSearch: startFaceSearch,
  GetFaceSearch: getFaceSearch,
  StartContentModeration: startContentModeration,
  GetContentModeration: getContentModeration,
  StartTextDetection: startTextDetection,
  GetTextDetection: getTextDetection,
  StartCelebrityRecognition: startCelebrityRecognition,
  GetCelebrityRecognition: getCelebrityRecognition,
});
