/** Plain tensors that cross the worker boundary (transferable typed arrays, no library types). */
export type DType = 'float32' | 'int32';

export interface TensorData {
  type: DType;
  dims: number[];
  data: Float32Array | Int32Array;
}

export const float32 = (data: Float32Array, dims: number[]): TensorData => ({ type: 'float32', dims, data });

/** A model input: a tensor, or uint8 pixels for a graph that scales them itself (ModelManifest input.pixels). */
export type FeedData = TensorData | { type: 'uint8'; dims: number[]; data: Uint8Array };

export type Feeds = Record<string, FeedData>;
