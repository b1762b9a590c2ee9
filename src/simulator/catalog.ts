/**
 * The flavors and images the simulated region offers, shaped like the real ListFlavors and
 * ListImages answers (field names, units and string-typed memory sizes included: `memory` is in
 * KiB and `gpu_memory` / `npu_memory` are strings in GB, as Huawei's own examples show).
 */

export type Arch = 'X86_64' | 'AARCH64';
export type FlavorCategory = 'CPU' | 'GPU' | 'ASCEND';

/** One `NotebookFlavor` item. */
export interface SimFlavor {
  id: string;
  name: string;
  arch: Arch;
  category: FlavorCategory;
  description: string;
  feature: 'NOTEBOOK' | 'DEFAULT';
  free: boolean;
  sold_out: boolean;
  vcpus: number;
  /** KiB, as the service reports it. */
  memory: number;
  gpu?: { gpu: number; gpu_memory: string; type: string };
  ascend?: { npu: number; npu_memory: string; type: string };
  storages: string[];
  billing: { code: string; unit_num: number };
}

/** One image item of ListImages. */
export interface SimImage {
  id: string;
  name: string;
  arch: Arch;
  create_at: number;
  update_at: number;
  description: string;
  dev_services: string[];
  resource_categories: FlavorCategory[];
  support_res_categories: FlavorCategory[];
  service_type: string;
  size: number;
  status: 'ACTIVE';
  status_message: string;
  swr_path: string;
  tag: string;
  type: 'BUILD_IN' | 'DEDICATED';
  visibility: 'PUBLIC' | 'PRIVATE';
  namespace: string;
  origin?: 'CUSTOMIZE' | 'IMAGE_SAVE';
  workspace_id: string;
  flavor_type?: string;
}

const GiB = 1024 * 1024; // in KiB

function flavor(f: Omit<SimFlavor, 'billing' | 'feature' | 'free' | 'sold_out'> & Partial<SimFlavor>): SimFlavor {
  return { feature: 'NOTEBOOK', free: false, sold_out: false, billing: { code: f.id, unit_num: 1 }, ...f };
}

/** Flavors of the default catalog: CPU x86 (free, 2u, 8u), GPU x86 (T4, P100, V100), Ascend aarch64 (snt9b). */
export const DEFAULT_FLAVORS: readonly SimFlavor[] = [
  flavor({
    id: 'modelarts.vm.cpu.free',
    name: 'CPU: 1vCPUs 4GB',
    arch: 'X86_64',
    category: 'CPU',
    description: 'Free CodeLab flavor: one per user, for quick experiments',
    feature: 'DEFAULT',
    free: true,
    vcpus: 1,
    memory: 4 * GiB,
    storages: ['EVS'],
  }),
  flavor({
    id: 'modelarts.vm.cpu.2u',
    name: 'CPU: 2vCPUs 8GB',
    arch: 'X86_64',
    category: 'CPU',
    description: 'General-purpose Intel CPU flavor, ideal for rapid data exploration and experiments',
    vcpus: 2,
    memory: 8 * GiB,
    storages: ['EVS', 'EFS', 'OBS', 'OBSFS'],
  }),
  flavor({
    id: 'modelarts.vm.cpu.8u',
    name: 'CPU: 8vCPUs 32GB',
    arch: 'X86_64',
    category: 'CPU',
    description: 'General computing-plus Intel CPU flavor, ideal for compute-intensive applications',
    vcpus: 8,
    memory: 32 * GiB,
    storages: ['EVS', 'EFS', 'OBS', 'OBSFS'],
  }),
  flavor({
    id: 'modelarts.vm.gpu.t4u8',
    name: 'GPU: 1*NVIDIA-T4(16GB)|CPU: 8vCPUs 32GB',
    arch: 'X86_64',
    category: 'GPU',
    description: 'Entry GPU flavor for inference and light training',
    vcpus: 8,
    memory: 32 * GiB,
    gpu: { gpu: 1, gpu_memory: '16', type: 'T4' },
    storages: ['EVS', 'EFS'],
  }),
  flavor({
    id: 'modelarts.vm.gpu.p100',
    name: 'GPU: 1*NVIDIA-P100(16GB)|CPU: 8vCPUs 64GB',
    arch: 'X86_64',
    category: 'GPU',
    description: 'Previous-generation training GPU',
    sold_out: true,
    vcpus: 8,
    memory: 64 * GiB,
    gpu: { gpu: 1, gpu_memory: '16', type: 'P100' },
    storages: ['EVS', 'EFS'],
  }),
  flavor({
    id: 'modelarts.vm.gpu.v100',
    name: 'GPU: 1*NVIDIA-V100(32GB)|CPU: 8vCPUs 64GB',
    arch: 'X86_64',
    category: 'GPU',
    description: 'Training GPU flavor for deep learning',
    vcpus: 8,
    memory: 64 * GiB,
    gpu: { gpu: 1, gpu_memory: '32', type: 'V100' },
    storages: ['EVS', 'EFS'],
  }),
  flavor({
    id: 'modelarts.vm.gpu.v100.4',
    name: 'GPU: 4*NVIDIA-V100(32GB)|CPU: 32vCPUs 256GB',
    arch: 'X86_64',
    category: 'GPU',
    description: 'Multi-GPU training flavor',
    sold_out: true,
    vcpus: 32,
    memory: 256 * GiB,
    gpu: { gpu: 4, gpu_memory: '128', type: 'V100' },
    storages: ['EVS', 'EFS'],
    billing: { code: 'modelarts.vm.gpu.v100.4', unit_num: 4 },
  }),
  flavor({
    id: 'modelarts.vm.snt9b.xlarge.1',
    name: 'Ascend: 1*ascend-snt9b(64GB)|ARM: 24vCPUs 192GB',
    arch: 'AARCH64',
    category: 'ASCEND',
    description: 'The Ascend specification is suitable for deep learning code running and debugging',
    vcpus: 24,
    memory: 192 * GiB,
    ascend: { npu: 1, npu_memory: '64', type: 'ascend-snt9b' },
    storages: ['EVS', 'EFS'],
  }),
  flavor({
    id: 'modelarts.bm.snt9b.8xlarge.8',
    name: 'Ascend: 8*ascend-snt9b(64GB)|ARM: 192vCPUs 1536GB',
    arch: 'AARCH64',
    category: 'ASCEND',
    description: 'The Ascend specification is suitable for deep learning code running and debugging',
    sold_out: true,
    vcpus: 192,
    memory: 1536 * GiB,
    ascend: { npu: 8, npu_memory: '512', type: 'ascend-snt9b' },
    storages: ['EFS'],
    billing: { code: 'modelarts.bm.snt9b.8xlarge.8', unit_num: 8 },
  }),
];

const at = (iso: string): number => Date.parse(iso);

function image(
  i: Omit<
    SimImage,
    'status' | 'status_message' | 'visibility' | 'namespace' | 'workspace_id' | 'support_res_categories' | 'update_at'
  > &
    Partial<SimImage>,
): SimImage {
  return {
    status: 'ACTIVE',
    status_message: 'image is ready',
    visibility: 'PUBLIC',
    namespace: 'atelier',
    workspace_id: '0',
    support_res_categories: i.resource_categories,
    update_at: i.create_at,
    ...i,
  };
}

const swr = 'swr.cn-north-4.myhuaweicloud.com/atelier';

/** Built-in images of the default catalog, plus one DEDICATED (user-saved) image when enabled. */
export const DEFAULT_IMAGES: readonly SimImage[] = [
  image({
    id: 'e1a07296-22a8-4f05-8bc8-e936c8e54090',
    name: 'notebook2.0-mul-kernel-cpu-cp36',
    arch: 'X86_64',
    create_at: at('2021-11-18T08:12:40Z'),
    description: 'Multi-kernel CPU image (Python 3.6, TensorFlow, PyTorch, MindSpore)',
    dev_services: ['NOTEBOOK', 'SSH'],
    resource_categories: ['CPU'],
    service_type: 'COMMON',
    size: 4_718_592,
    swr_path: `${swr}/notebook2.0-mul-kernel-cpu-cp36:3.3.2-release_v1`,
    tag: '3.3.2-release_v1',
    type: 'BUILD_IN',
  }),
  image({
    id: '278e88d1-5b71-4766-8502-b3ba72e824d9',
    name: 'pytorch1.8-cuda10.2-cudnn7-ubuntu18.04',
    arch: 'X86_64',
    create_at: at('2022-06-02T03:40:11Z'),
    description: 'PyTorch 1.8 with CUDA 10.2 on Ubuntu 18.04, CPU or GPU',
    dev_services: ['NOTEBOOK', 'SSH'],
    resource_categories: ['CPU', 'GPU'],
    service_type: 'COMMON',
    size: 9_437_184,
    swr_path: `${swr}/pytorch1.8-cuda10.2-cudnn7-ubuntu18.04:20220602-release`,
    tag: '20220602-release',
    type: 'BUILD_IN',
  }),
  image({
    id: '9f4a3d58-0b3e-4e0a-9c3f-0d7a2b1c5e64',
    name: 'pytorch_2.1.0-cuda_12.1-py_3.9-ubuntu_22.04-x86_64',
    arch: 'X86_64',
    create_at: at('2024-05-20T09:03:27Z'),
    description: 'PyTorch 2.1.0 with CUDA 12.1 and Python 3.9 on Ubuntu 22.04',
    dev_services: ['NOTEBOOK', 'SSH'],
    resource_categories: ['GPU'],
    service_type: 'COMMON',
    size: 14_680_064,
    swr_path: `${swr}/pytorch_2_1_0-cuda_12_1-py_3_9-ubuntu_22_04-x86_64:20240520-release`,
    tag: '20240520-release',
    type: 'BUILD_IN',
  }),
  image({
    id: '4c2f1b7e-8a6d-4f3c-b5e2-7d9a0c1e3f58',
    name: 'tensorflow2.1-cuda10.1-cudnn7-ubuntu18.04',
    arch: 'X86_64',
    create_at: at('2022-03-11T07:25:54Z'),
    description: 'TensorFlow 2.1 with CUDA 10.1 on Ubuntu 18.04, CPU or GPU',
    dev_services: ['NOTEBOOK', 'SSH'],
    resource_categories: ['CPU', 'GPU'],
    service_type: 'COMMON',
    size: 8_912_896,
    swr_path: `${swr}/tensorflow2.1-cuda10.1-cudnn7-ubuntu18.04:20220311-release`,
    tag: '20220311-release',
    type: 'BUILD_IN',
  }),
  image({
    id: 'b0a5e7d2-3c1f-4a8e-9d6b-2f4e8c0a1d37',
    name: 'mindspore_2.3.0-cann_8.0.rc2-py_3.9-euler_2.10.7-aarch64-snt9b',
    arch: 'AARCH64',
    create_at: at('2024-08-06T02:18:09Z'),
    description: 'MindSpore 2.3.0 with CANN 8.0.RC2 on EulerOS 2.10, Ascend snt9b',
    dev_services: ['NOTEBOOK', 'SSH'],
    resource_categories: ['ASCEND'],
    service_type: 'COMMON',
    size: 16_252_928,
    swr_path: `${swr}/mindspore_2_3_0-cann_8_0_rc2-py_3_9-euler_2_10_7-aarch64-snt9b:20240806-release`,
    tag: '20240806-release',
    type: 'BUILD_IN',
    flavor_type: 'ASCEND_SNT9B',
  }),
  image({
    id: 'd3e8f1a6-7b2c-4d9e-8f0a-5c6b1e2d4a90',
    name: 'pytorch_2.1.0-cann_8.0.rc2-py_3.9-euler_2.10.7-aarch64-snt9b',
    arch: 'AARCH64',
    create_at: at('2024-08-06T02:31:45Z'),
    description: 'PyTorch 2.1.0 (torch_npu) with CANN 8.0.RC2 on EulerOS 2.10, Ascend snt9b',
    dev_services: ['NOTEBOOK', 'SSH'],
    resource_categories: ['ASCEND'],
    service_type: 'COMMON',
    size: 17_825_792,
    swr_path: `${swr}/pytorch_2_1_0-cann_8_0_rc2-py_3_9-euler_2_10_7-aarch64-snt9b:20240806-release`,
    tag: '20240806-release',
    type: 'BUILD_IN',
    flavor_type: 'ASCEND_SNT9B',
  }),
];

/** A user-saved image (type DEDICATED, PRIVATE), included unless `dedicatedImage: false`. */
export const DEDICATED_IMAGE: SimImage = image({
  id: '7a1c9e3b-2d4f-4b6a-8c0e-1f3a5b7d9e20',
  name: 'team-pytorch-custom',
  arch: 'X86_64',
  create_at: at('2025-03-14T10:05:00Z'),
  description: 'Saved from a notebook: PyTorch 2.1 with team packages',
  dev_services: ['NOTEBOOK', 'SSH'],
  resource_categories: ['CPU', 'GPU'],
  service_type: 'UNKNOWN',
  size: 15_204_352,
  swr_path: 'swr.cn-north-4.myhuaweicloud.com/team-ml/team-pytorch-custom:v3',
  tag: 'v3',
  type: 'DEDICATED',
  visibility: 'PRIVATE',
  namespace: 'team-ml',
  origin: 'IMAGE_SAVE',
});

/** Handy defaults for tests and demos: a CPU flavor and an image that runs on it. */
export const SIMULATOR_DEFAULT_FLAVOR = 'modelarts.vm.cpu.2u';
export const SIMULATOR_DEFAULT_IMAGE_ID = 'e1a07296-22a8-4f05-8bc8-e936c8e54090';
/** A GPU image (CPU or GPU flavors) and an Ascend image (aarch64 flavors). */
export const SIMULATOR_GPU_IMAGE_ID = '278e88d1-5b71-4766-8502-b3ba72e824d9';
export const SIMULATOR_ASCEND_IMAGE_ID = 'b0a5e7d2-3c1f-4a8e-9d6b-2f4e8c0a1d37';

/** Indexed, immutable view of one catalog: O(1) lookups by id. */
export class Catalog {
  readonly flavors: readonly SimFlavor[];
  readonly images: readonly SimImage[];
  private readonly flavorById: ReadonlyMap<string, SimFlavor>;
  private readonly imageById: ReadonlyMap<string, SimImage>;

  constructor(flavors: readonly SimFlavor[], images: readonly SimImage[]) {
    this.flavors = flavors;
    this.images = images;
    this.flavorById = new Map(flavors.map((f) => [f.id, f]));
    this.imageById = new Map(images.map((i) => [i.id, i]));
  }

  flavor(id: string): SimFlavor | undefined {
    return this.flavorById.get(id);
  }

  image(id: string): SimImage | undefined {
    return this.imageById.get(id);
  }

  /** Whether `image` can run on `flavor`: same architecture and a supported resource category. */
  compatible(flavor: SimFlavor, image: SimImage): boolean {
    return flavor.arch === image.arch && image.resource_categories.includes(flavor.category);
  }

  /** Flavors an instance may switch to: same arch, runs its image, paid, not the current one. */
  switchable(currentFlavorId: string, image: SimImage | undefined): SimFlavor[] {
    const current = this.flavor(currentFlavorId);
    return this.flavors.filter(
      (f) =>
        f.id !== currentFlavorId &&
        !f.free &&
        (current === undefined || f.arch === current.arch) &&
        (image === undefined || this.compatible(f, image)),
    );
  }
}
