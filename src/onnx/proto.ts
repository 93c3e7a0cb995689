// ONNX's protobuf schema through protobufjs, and helpers between TensorProto and our Tensor.
//
// The schema below is the subset of ONNX's own onnx.proto (onnx 1.x, proto2 syntax) that a
// model file uses, with ONNX's field numbers copied as they are. It is embedded as text and
// parsed once (no file is read at run time), so this module works unchanged in Node and in a
// browser bundle. Field names keep ONNX's snake_case (`keepCase`).
//
// Decoded messages are turned into plain objects (`toObject` with int64 as JS numbers and enums
// as numbers), so no Long objects leak out whether or not the `long` package is installed.
// `bytes` fields are plain Uint8Array views into the decoded bytes, in Node as in the browser.
import protobuf from 'protobufjs';
import type { Tensor } from '../runtime/tensor';

const ONNX_PROTO = `
syntax = "proto2";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; SPARSE_TENSOR = 11;
    TYPE_PROTO = 13; FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
    SPARSE_TENSORS = 12; TYPE_PROTOS = 14;
  }
  optional string name = 1;
  optional string ref_attr_name = 21;
  optional string doc_string = 13;
  optional AttributeType type = 20;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  optional SparseTensorProto sparse_tensor = 22;
  optional TypeProto tp = 14;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
  repeated SparseTensorProto sparse_tensors = 23;
  repeated TypeProto type_protos = 15;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
  repeated StringStringEntryProto metadata_props = 4;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  optional string overload = 8;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
  repeated StringStringEntryProto metadata_props = 9;
}

message TrainingInfoProto {
  optional GraphProto initialization = 1;
  optional GraphProto algorithm = 2;
  repeated StringStringEntryProto initialization_binding = 3;
  repeated StringStringEntryProto update_binding = 4;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
  repeated TrainingInfoProto training_info = 20;
  repeated FunctionProto functions = 25;
}

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message TensorAnnotation {
  optional string tensor_name = 1;
  repeated StringStringEntryProto quant_parameter_tensor_names = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated SparseTensorProto sparse_initializer = 15;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
  repeated TensorAnnotation quantization_annotation = 14;
  repeated StringStringEntryProto metadata_props = 16;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7;
    STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; UINT32 = 12; UINT64 = 13; COMPLEX64 = 14;
    COMPLEX128 = 15; BFLOAT16 = 16; FLOAT8E4M3FN = 17; FLOAT8E4M3FNUZ = 18; FLOAT8E5M2 = 19;
    FLOAT8E5M2FNUZ = 20; UINT4 = 21; INT4 = 22; FLOAT4E2M1 = 23;
  }
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  message Segment {
    optional int64 begin = 1;
    optional int64 end = 2;
  }
  optional Segment segment = 3;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
  repeated StringStringEntryProto external_data = 13;
  enum DataLocation { DEFAULT = 0; EXTERNAL = 1; }
  optional DataLocation data_location = 14;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
  repeated StringStringEntryProto metadata_props = 16;
}

message SparseTensorProto {
  optional TensorProto values = 1;
  optional TensorProto indices = 2;
  repeated int64 dims = 3;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  message Sequence {
    optional TypeProto elem_type = 1;
  }
  message Map {
    optional int32 key_type = 1;
    optional TypeProto value_type = 2;
  }
  message Optional {
    optional TypeProto elem_type = 1;
  }
  message SparseTensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
    Sequence sequence_type = 4;
    Map map_type = 5;
    Optional optional_type = 9;
    SparseTensor sparse_tensor_type = 8;
  }
  optional string denotation = 6;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}

message FunctionProto {
  optional string name = 1;
  repeated string input = 4;
  repeated string output = 5;
  repeated string attribute = 6;
  repeated AttributeProto attribute_proto = 11;
  repeated NodeProto node = 7;
  optional string doc_string = 8;
  repeated OperatorSetIdProto opset_import = 9;
  optional string domain = 10;
  optional string overload = 13;
  repeated ValueInfoProto value_info = 12;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;
const ModelType = root.lookupType('onnx.ModelProto');
const TensorType = root.lookupType('onnx.TensorProto');

/** TensorProto.DataType values we use. */
export const DataType = { UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 } as const;

// ---- plain-object views of the messages (snake_case, as in onnx.proto; all fields optional)

export interface StringStringEntry { key?: string; value?: string }
export interface OperatorSetId { domain?: string; version?: number }

export interface TensorProto {
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  uint64_data?: number[];
  string_data?: Uint8Array[];
  name?: string;
  doc_string?: string;
  raw_data?: Uint8Array;
  data_location?: number;
  external_data?: StringStringEntry[];
}

export interface AttributeProto {
  name?: string;
  type?: number;
  doc_string?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
}

export interface Dimension { dim_value?: number; dim_param?: string; denotation?: string }
export interface TensorShapeProto { dim?: Dimension[] }
export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  sequence_type?: { elem_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  denotation?: string;
}
export interface ValueInfoProto { name?: string; type?: TypeProto; doc_string?: string }

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  doc_string?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}

export interface ModelProto {
  ir_version?: number;
  opset_import?: OperatorSetId[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntry[];
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, arrays: true, defaults: false };

function encodeWith(type: protobuf.Type, obj: object, what: string): Uint8Array {
  const msg = type.fromObject(obj as Record<string, unknown>);
  const err = type.verify(msg);
  if (err) throw new Error(`invalid ${what}: ${err}`);
  return plain(type.encode(msg).finish(), true);
}

/**
 * A plain Uint8Array for a Node Buffer (protobufjs reads and writes Buffers in Node): decoding
 * then gives plain Uint8Array bytes fields in Node and the browser alike. `copy` also detaches
 * the result from Node's shared Buffer pool.
 */
function plain(bytes: Uint8Array, copy: boolean): Uint8Array {
  if (bytes.constructor === Uint8Array) return bytes;
  // a Buffer with a memory of its own (every large one) is not in the pool: a view will do
  const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
  return copy && !own ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeModel(model: ModelProto): Uint8Array {
  return encodeWith(ModelType, model, 'ModelProto');
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return ModelType.toObject(ModelType.decode(plain(bytes, false)), TO_OBJECT) as ModelProto;
}

export function encodeTensor(tensor: TensorProto): Uint8Array {
  return encodeWith(TensorType, tensor, 'TensorProto');
}

export function decodeTensor(bytes: Uint8Array): TensorProto {
  return TensorType.toObject(TensorType.decode(plain(bytes, false)), TO_OBJECT) as TensorProto;
}

// ---- building tensors (raw_data, little-endian as ONNX requires)

/** A float32 TensorProto. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function floatTensorProto(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  checkCount(name, dims, data.length);
  // a Float32Array on a little-endian machine is raw_data already: a view, not a copy (a model's
  // weights can be a gigabyte, and the encoder copies them into the model bytes anyway)
  if (LITTLE_ENDIAN && data instanceof Float32Array) return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: raw };
}

/** An int64 TensorProto from 32-bit integers (our int64 tensors live in Int32Array). */
export function int64TensorProto(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  checkCount(name, dims, data.length);
  const raw = new Uint8Array(data.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new Error(`int64 tensor '${name}': value ${v} at ${i} is not a 32-bit integer`);
    view.setInt32(i * 8, v, true);
    view.setInt32(i * 8 + 4, v < 0 ? -1 : 0, true);
  }
  return { name, dims: [...dims], data_type: DataType.INT64, raw_data: raw };
}

/** Our Tensor -> TensorProto (float32 or int64). */
export function tensorToProto(name: string, t: Tensor): TensorProto {
  return t.dtype === 'int64' ? int64TensorProto(name, t.shape, t.data) : floatTensorProto(name, t.shape, t.data);
}

function checkCount(name: string, dims: readonly number[], n: number): void {
  const want = dims.reduce((a, d) => a * d, 1);
  if (want !== n) throw new Error(`tensor '${name}': ${n} values for dims [${dims.join(', ')}] (needs ${want})`);
}

// ---- reading tensors

const DTYPE_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};
export function dataTypeName(dt: number | undefined): string {
  return DTYPE_NAMES[dt ?? 0] ?? `data_type ${dt}`;
}

/**
 * A TensorProto (float, double, int32, int64, bool; raw_data or the typed fields) -> our
 * Tensor: floats become float32, integers and bools become int64 (held in Int32Array; a value
 * outside the 32-bit range is an error).
 */
export function tensorFromProto(tp: TensorProto): Tensor {
  const shape = (tp.dims ?? []).map(Number);
  const n = shape.reduce((a, d) => a * d, 1);
  const dt = tp.data_type ?? 0;
  const label = tp.name ? `tensor '${tp.name}'` : 'tensor';
  if (tp.data_location === 1) throw new Error(`${label}: external data is not supported`);
  const raw = tp.raw_data && tp.raw_data.length > 0 ? tp.raw_data : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const expectBytes = (width: number) => {
    if (raw && raw.byteLength !== n * width) throw new Error(`${label}: raw_data has ${raw.byteLength} bytes, dims [${shape.join(', ')}] need ${n * width}`);
  };
  const fromField = (field: number[] | undefined, fname: string): number[] => {
    const f = field ?? [];
    if (f.length !== n) throw new Error(`${label}: ${fname} has ${f.length} values, dims [${shape.join(', ')}] need ${n}`);
    return f;
  };
  if (dt === DataType.FLOAT || dt === DataType.DOUBLE) {
    const out = new Float32Array(n);
    if (view) {
      const w = dt === DataType.FLOAT ? 4 : 8;
      expectBytes(w);
      for (let i = 0; i < n; i++) out[i] = w === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
    } else out.set(fromField(dt === DataType.FLOAT ? tp.float_data : tp.double_data, dt === DataType.FLOAT ? 'float_data' : 'double_data'));
    return { dtype: 'float32', shape, data: out };
  }
  if (dt === DataType.INT64 || dt === DataType.INT32 || dt === DataType.BOOL || dt === DataType.INT8 || dt === DataType.UINT8) {
    const out = new Int32Array(n);
    if (view) {
      if (dt === DataType.INT64) {
        expectBytes(8);
        for (let i = 0; i < n; i++) {
          const v = view.getBigInt64(i * 8, true);
          if (v < -2147483648n || v > 2147483647n) throw new Error(`${label}: int64 value ${v} at ${i} does not fit in 32 bits`);
          out[i] = Number(v);
        }
      } else if (dt === DataType.INT32) {
        expectBytes(4);
        for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      } else {
        expectBytes(1);
        for (let i = 0; i < n; i++) out[i] = dt === DataType.INT8 ? view.getInt8(i) : view.getUint8(i);
      }
    } else {
      const vals = fromField(dt === DataType.INT64 ? tp.int64_data : tp.int32_data, dt === DataType.INT64 ? 'int64_data' : 'int32_data');
      for (let i = 0; i < n; i++) {
        const v = vals[i];
        if (v < -2147483648 || v > 2147483647) throw new Error(`${label}: value ${v} at ${i} does not fit in 32 bits`);
        out[i] = v;
      }
    }
    return { dtype: 'int64', shape, data: out };
  }
  throw new Error(`${label}: data type ${dataTypeName(dt)} is not supported (float, double, int32, int64, bool only)`);
}

/** Serialized TensorProto bytes (e.g. an ONNX test's input_0.pb) -> our Tensor. */
export function readTensor(bytes: Uint8Array): Tensor {
  return tensorFromProto(decodeTensor(bytes));
}

// ---- attributes

export type AttrJS = number | string | number[] | string[] | TensorProto | GraphProto | undefined;

const utf8 = new TextDecoder();
const utf8enc = new TextEncoder();

/** An AttributeProto's value as plain JS (strings decoded from UTF-8). */
export function attrValue(a: AttributeProto): AttrJS {
  switch (a.type) {
    case AttrType.FLOAT: return a.f ?? 0;
    case AttrType.INT: return a.i ?? 0;
    case AttrType.STRING: return a.s ? utf8.decode(a.s) : '';
    case AttrType.TENSOR: return a.t;
    case AttrType.GRAPH: return a.g;
    case AttrType.FLOATS: return a.floats ?? [];
    case AttrType.INTS: return a.ints ?? [];
    case AttrType.STRINGS: return (a.strings ?? []).map((s) => utf8.decode(s));
    default: return undefined;
  }
}

/** Attribute builders for NodeProto.attribute. */
export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AttrType.INT, i }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AttrType.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({ name, type: AttrType.STRING, s: utf8enc.encode(s) }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: AttrType.INTS, ints: [...ints] }),
  floats: (name: string, floats: number[]): AttributeProto => ({ name, type: AttrType.FLOATS, floats: [...floats] }),
  strings: (name: string, ss: string[]): AttributeProto => ({ name, type: AttrType.STRINGS, strings: ss.map((s) => utf8enc.encode(s)) }),
  tensor: (name: string, t: TensorProto): AttributeProto => ({ name, type: AttrType.TENSOR, t }),
  graph: (name: string, g: GraphProto): AttributeProto => ({ name, type: AttrType.GRAPH, g }),
};
