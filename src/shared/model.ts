// What `octet inspect` and the wizard's Model step show about a model.

export interface TensorSummary {
  name: string;
  type: string;
  /** Numbers for static dims, strings for symbolic ones, null for unknown. */
  dims: (number | string | null)[] | null;
}

export interface ModelSummary {
  path: string;
  sizeBytes: number;
  sha256: string;
  irVersion: number;
  opset: number;
  opsets: Record<string, number>;
  producer: string;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** Every node, those inside If/Loop/Scan bodies included. */
  nodes: number;
  /** How many of `nodes` sit inside If/Loop/Scan bodies. */
  subgraphNodes: number;
  opHistogram: Record<string, number>;
  parameters: number;
  quantized: boolean;
}
