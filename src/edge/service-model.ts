/** The Rekognition service model (generated from botocore by scripts/gen-service-model.mjs). */
import model from './service-model.json' with { type: 'json' };

export interface Shape {
  type: 'structure' | 'string' | 'list' | 'integer' | 'float' | 'long' | 'boolean' | 'blob' | 'timestamp' | 'map' | 'double';
  required?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  members?: Record<string, string>;
  member?: string;
  key?: string;
  value?: string;
  exception?: boolean;
  fault?: boolean;
}

export interface OperationModel {
  input?: string;
  output?: string;
  errors: string[];
}

export const serviceModel = model as unknown as {
  metadata: { apiVersion: string; targetPrefix: string };
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
};

export const operationNames = Object.keys(serviceModel.operations).sort();

export function shape(name: string): Shape {
  const s = serviceModel.shapes[name];
  if (!s) throw new Error(`service model has no shape ${name}`);
  return s;
}
