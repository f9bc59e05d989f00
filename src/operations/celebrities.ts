/** RecognizeCelebrities and GetCelebrityInfo on the wire. */
import type { GetCelebrityInfoRequest, GetCelebrityInfoResponse, KnownGenderType, RecognizeCelebritiesRequest, RecognizeCelebritiesResponse } from '@aws-sdk/client-rekognition';
import type { Handler } from './operation.js';
import { comparedFace } from './face-wire.js';

const knownGender = (g: string | undefined) => (g ? { KnownGender: { Type: g as KnownGenderType } } : {});

const recognizeCelebrities: Handler = async (input: RecognizeCelebritiesRequest, services): Promise<RecognizeCelebritiesResponse> => {
  const img = await services.images.decode(input.Image as never);
  const r = await services.celebrities.recognize(img);
  return {
    CelebrityFaces: r.recognized.map((x) => ({
      Urls: x.celebrity.urls,
      Name: x.celebrity.name,
      Id: x.celebrity.id,
      Face: comparedFace(x.face),
      MatchConfidence: x.matchConfidence,
      ...knownGender(x.celebrity.knownGender),
    })),
    UnrecognizedFaces: r.unrecognized.map(comparedFace),
  };
};

const getCelebrityInfo: Handler = async (input: GetCelebrityInfoRequest, services): Promise<GetCelebrityInfoResponse> => {
  const c = services.celebrities.info(input.Id!);
  return { Urls: c.urls, Name: c.name, ...knownGender(c.knownGender) };
};

export const celebritiesHandlers = Object.freeze({ RecognizeCelebrities: recognizeCelebrities, GetCelebrityInfo: getCelebrityInfo });
