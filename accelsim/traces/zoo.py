"""Network zoo: layer shapes of the networks of docs/SOURCES.md §8 as dense workloads.

In the CNNs only layers with weights become workload layers (conv, fc, lstm, matmul);
pooling only changes the spatial size passed on. The transformers (BERT-base, GPT-2 small,
ViT-B/16, a LLaMA-7B decoder block) also carry their attention matmuls (``bmm``) and vector
layers (embeddings, norms, softmax, activations, residual adds), so that every engine sees
(and times or lists) the work a GPU spends outside GEMMs. Parameter counts follow each
source's convention: Caffe and the ImageNet VGGs count one bias per output unit; S002's
CIFAR VGG and AlexNet-s/b counts are weights only; ResNets add two BatchNorm parameters per
conv output channel and have no conv biases; the PTB LSTM adds its 10000 × 1500 embedding
(not a GEMM layer) and an LSTM bias of 4·hidden; MobileNetV2 and ViT-B/16 follow torchvision
(weights, biases, BatchNorm γ/β; ViT's class token and position embedding), BERT-base and
GPT-2 small Hugging Face (every weight, bias, LayerNorm γ/β and embedding table, GPT-2's tied
LM head once). Shapes that the seeds do not give are the
standard definitions (**external**, cited per builder).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.model import Layer, Workload


@dataclass(frozen=True)
class Network:
    workload: Workload
    bias_layers: frozenset[str]  # layers with one bias per output unit
    other_parameters: int = 0    # BatchNorm, embeddings: parameters outside GEMM layers
    tied_layers: frozenset[str] = frozenset()  # weights shared with another layer (GPT-2 head)

    @property
    def weights(self) -> int:
        """GEMM weights plus vector layers' parameters (norm γ/β, embedding tables), each
        shared tensor once."""
        return sum(layer.weight_count + layer.parameters for layer in self.workload.layers
                   if layer.name not in self.tied_layers)

    @property
    def biases(self) -> int:
        return sum(_outputs(layer) for layer in self.workload.layers
                   if layer.name in self.bias_layers)

    @property
    def parameters(self) -> int:
        return self.weights + self.biases + self.other_parameters

    def macs_per_sample(self) -> int:
        return sum(layer.dense_macs(1) for layer in self.workload.layers)

    def multiply_adds_per_sample(self) -> int:
        """MACs plus one add per bias and output position (the ISS counting rule)."""
        adds = sum(_outputs(layer) * layer.gemm(1).n for layer in self.workload.layers
                   if layer.name in self.bias_layers)
        return self.macs_per_sample() + adds


def _outputs(layer: Layer) -> int:
    g = layer.gemm(1)
    return g.groups * g.m


def _out_size(size: int, kernel: int, stride: int, pad: int, ceil: bool) -> int:
    steps = (size + 2 * pad - kernel) / stride
    return (math.ceil(steps) if ceil else math.floor(steps)) + 1


class _Builder:
    """Appends layers while tracking the current tensor (channels, height = width)."""

    def __init__(self, channels: int, hw: int, *, bias: bool = True):
        self.channels, self.hw, self.bias = channels, hw, bias
        self.layers: list[Layer] = []
        self.bias_layers: set[str] = set()
        self.conv_outputs = 0  # output channels of every conv, for BatchNorm counts

    def _add(self, layer: Layer, bias: bool | None) -> None:
        self.layers.append(layer)
        if self.bias if bias is None else bias:
            self.bias_layers.add(layer.name)

    def conv(self, name: str, out: int, kernel: int, stride: int = 1, pad: int = 0,
             groups: int = 1, bias: bool | None = None) -> _Builder:
        layer = Layer(name=name, kind="conv", in_channels=self.channels, out_channels=out,
                      kernel=(kernel, kernel), stride=(stride, stride), padding=(pad, pad),
                      groups=groups, in_hw=(self.hw, self.hw))
        self._add(layer, bias)
        self.channels, self.hw = out, layer.out_hw[0]
        self.conv_outputs += out
        return self

    def same_conv(self, name: str, out: int, kernel: int, stride: int) -> _Builder:
        """TensorFlow SAME padding (output ⌈in/stride⌉) with the symmetric pad that gives it."""
        total = max((math.ceil(self.hw / stride) - 1) * stride + kernel - self.hw, 0)
        return self.conv(name, out, kernel, stride, math.ceil(total / 2))

    def pool(self, kernel: int, stride: int, pad: int = 0, ceil: bool = False) -> _Builder:
        self.hw = _out_size(self.hw, kernel, stride, pad, ceil)
        return self

    def fc(self, name: str, out: int, bias: bool | None = None) -> _Builder:
        self._add(Layer(name=name, kind="fc", in_features=self.channels * self.hw * self.hw,
                        out_features=out), bias)
        self.channels, self.hw = out, 1
        return self

    def network(self, name: str, source: str, batch: int, other: int = 0) -> Network:
        workload = Workload(name=name, source=source, batch=batch, layers=tuple(self.layers))
        return Network(workload, frozenset(self.bias_layers), other)


CAFFE = "standard Caffe model definition (external)"


def caffenet(batch: int = 1) -> Network:
    """CaffeNet / AlexNet with groups (bvlc_reference_caffenet)."""
    b = _Builder(3, 227)
    b.conv("conv1", 96, 11, 4).pool(3, 2, ceil=True)
    b.conv("conv2", 256, 5, pad=2, groups=2).pool(3, 2, ceil=True)
    b.conv("conv3", 384, 3, pad=1).conv("conv4", 384, 3, pad=1, groups=2)
    b.conv("conv5", 256, 3, pad=1, groups=2).pool(3, 2, ceil=True)
    b.fc("fc6", 4096).fc("fc7", 4096).fc("fc8", 1000)
    return b.network("caffenet", f"CaffeNet: {CAFFE}.1", batch)


def lenet5_caffe(batch: int = 1) -> Network:
    """LeNet-5-Caffe on 28×28 MNIST (S000 Tables 2.1/2.2; S002 §3; snip-public)."""
    b = _Builder(1, 28)
    b.conv("conv1", 20, 5).pool(2, 2).conv("conv2", 50, 5).pool(2, 2)
    b.fc("fc1", 500).fc("fc2", 10)
    return b.network("lenet5_caffe", "LeNet-5-Caffe: SOURCES.md §8", batch)


def lenet_300_100(batch: int = 1) -> Network:
    """LeNet-300-100 MLP on MNIST (S002 §3)."""
    b = _Builder(784, 1)
    b.fc("fc1", 300).fc("fc2", 100).fc("fc3", 10)
    return b.network("lenet_300_100", "LeNet-300-100: SOURCES.md §8", batch)


def mlp7(batch: int = 1, width: int = 100) -> Network:
    """The 7-layer MLP of S002 Ch. 4 (784-100×6-10), used for S002 Table 4.1."""
    b = _Builder(784, 1)
    for i in range(6):
        b.fc(f"fc{i + 1}", width)
    b.fc("fc7", 10)
    return b.network("mlp7", "7-layer MLP: S002 Table 4.1", batch)


def cifar_convnet(batch: int = 1) -> Network:
    """S000's CIFAR-10 ConvNet, 32/32/64 5×5 filters (Caffe cifar10_full; unverified shape)."""
    b = _Builder(3, 32)
    b.conv("conv1", 32, 5, pad=2).pool(3, 2, ceil=True)
    b.conv("conv2", 32, 5, pad=2).pool(3, 2, ceil=True)
    b.conv("conv3", 64, 5, pad=2).pool(3, 2, ceil=True)
    b.fc("fc", 10)
    return b.network("cifar_convnet", "CIFAR-10 ConvNet: SOURCES.md §8", batch)


VGG_IMAGENET = {"A": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
                "D": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                      512, 512, 512, "M")}


def vgg_imagenet(config: str = "D", batch: int = 1) -> Network:
    """VggNet-A (config "A") or VGG-16 (config "D"), 224×224 (Simonyan & Zisserman;
    external)."""
    b = _Builder(3, 224)
    convs = 0
    for item in VGG_IMAGENET[config]:
        if item == "M":
            b.pool(2, 2)
        else:
            convs += 1
            b.conv(f"conv{convs}", item, 3, pad=1)
    b.fc("fc6", 4096).fc("fc7", 4096).fc("fc8", 1000)
    name = {"A": "vgg_a", "D": "vgg16"}[config]
    return b.network(name, f"VGG config {config}: SOURCES.md §8 (external)", batch)


def vgg_cifar(variant: str = "D", classes: int = 10, batch: int = 1) -> Network:
    """S002 Table 3.6 VGG-C, VGG-D or VGG-like ("like") on 32×32 CIFAR-10."""
    b = _Builder(3, 32, bias=False)
    blocks = ((64, 64), (128, 128), (256, 256, "*"), (512, 512, "*"), (512, 512, "*"))
    convs = 0
    for block in blocks:
        for item in block:
            convs += 1
            starred = item == "*"
            out = b.channels if starred else item
            b.conv(f"conv{convs}", out, 1 if starred and variant == "C" else 3,
                   pad=0 if starred and variant == "C" else 1)
        b.pool(2, 2)
    b.fc("fc1", 512)
    if variant in ("C", "D"):
        b.fc("fc2", 512)
    b.fc("fc_out", classes)
    name = f"vgg_{variant.lower()}"
    return b.network(name, f"VGG-{variant}: S002 Table 3.6", batch)


def alexnet_cifar(k: int = 1, classes: int = 10, batch: int = 1) -> Network:
    """S002 Table 3.5 AlexNet-s (k=1) / AlexNet-b (k=2) on 32×32 CIFAR-10, SAME padding."""
    b = _Builder(3, 32, bias=False)
    for i, (out, kernel) in enumerate(((96, 11), (256, 5), (384, 3), (384, 3), (256, 3))):
        b.same_conv(f"conv{i + 1}", out, kernel, 2)
    b.fc("fc1", 1024 * k).fc("fc2", 1024 * k).fc("fc3", classes)
    name = {1: "alexnet_s", 2: "alexnet_b"}[k]
    return b.network(name, f"{name}: S002 Table 3.5", batch)


def ptb_lstm(hidden: tuple[int, int] = (1500, 1500), timesteps: int = 35, batch: int = 1,
             vocabulary: int = 10000, embedding: int = 1500) -> Network:
    """PTB language model, 2 stacked LSTMs (S000 §2.3.3); ``hidden`` after ISS removal.
    35 unrolled steps as in Zaremba et al. (external); the softmax runs every step."""
    layers = (
        Layer(name="lstm1", kind="lstm", input_size=embedding, hidden_size=hidden[0],
              timesteps=timesteps),
        Layer(name="lstm2", kind="lstm", input_size=hidden[0], hidden_size=hidden[1],
              timesteps=timesteps),
        Layer(name="softmax", kind="matmul", in_features=hidden[1], out_features=vocabulary,
              columns=timesteps),
    )
    workload = Workload(name=f"ptb_lstm_{hidden[0]}_{hidden[1]}",
                        source="PTB 2-layer LSTM: S000 §2.3.3, Table 2.5", batch=batch,
                        layers=layers)
    return Network(workload, frozenset(layer.name for layer in layers),
                   vocabulary * embedding)


def _basic_block(b: _Builder, name: str, out: int, stride: int) -> None:
    entry_channels, entry_hw = b.channels, b.hw
    b.conv(f"{name}.conv1", out, 3, stride, 1).conv(f"{name}.conv2", out, 3, 1, 1)
    if stride != 1 or entry_channels != out:
        _shortcut(b, name, out, stride, entry_channels, entry_hw)


def _bottleneck(b: _Builder, name: str, width: int, stride: int) -> None:
    entry_channels, entry_hw = b.channels, b.hw
    b.conv(f"{name}.conv1", width, 1).conv(f"{name}.conv2", width, 3, stride, 1)
    b.conv(f"{name}.conv3", 4 * width, 1)
    if stride != 1 or entry_channels != 4 * width:
        _shortcut(b, name, 4 * width, stride, entry_channels, entry_hw)


def _shortcut(b: _Builder, name: str, out: int, stride: int, channels: int, hw: int) -> None:
    """1×1 projection shortcut from the block's input; leaves the block's output current."""
    out_hw = b.hw
    b.channels, b.hw = channels, hw
    b.conv(f"{name}.downsample", out, 1, stride)
    b.hw = out_hw


MOBILENET_V2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1))  # expansion t, channels c, repeats n, stride s


def mobilenet_v2(batch: int = 1) -> Network:
    """MobileNetV2 1.0 at 224×224 (Sandler et al., CVPR 2018, Table 2; torchvision layout):
    inverted residuals of 1×1 expansion, 3×3 depthwise, 1×1 projection. Convs have no bias;
    BatchNorm (2 per channel) follows each conv; the classifier has a bias."""
    b = _Builder(3, 224, bias=False)
    b.conv("features.0", 32, 3, 2, 1)
    index = 1
    for t, c, n, s in MOBILENET_V2:
        for i in range(n):
            name, hidden = f"features.{index}", b.channels * t
            if t != 1:
                b.conv(f"{name}.expand", hidden, 1)
            b.conv(f"{name}.dw", hidden, 3, s if i == 0 else 1, 1, groups=hidden)
            b.conv(f"{name}.project", c, 1)
            index += 1
    b.conv(f"features.{index}", 1280, 1)
    b.hw = 1  # global average pool
    b.fc("classifier", 1000, bias=True)
    return b.network("mobilenet_v2", "MobileNetV2: Sandler et al. 2018 Table 2 (external)",
                     batch, other=2 * b.conv_outputs)


def resnet_imagenet(depth: int = 50, batch: int = 1) -> Network:
    """ResNet-18 or ResNet-50 on 224×224 ImageNet (He et al.; torchvision layout with the
    stride on the 3×3 conv, external). Convs have no bias; BatchNorm follows each conv."""
    blocks = {18: (2, 2, 2, 2), 50: (3, 4, 6, 3)}[depth]
    block = _basic_block if depth == 18 else _bottleneck
    b = _Builder(3, 224, bias=False)
    b.conv("conv1", 64, 7, 2, 3).pool(3, 2, 1)
    for stage, count in enumerate(blocks):
        for i in range(count):
            block(b, f"layer{stage + 1}.{i}", 64 * 2 ** stage, 2 if i == 0 and stage else 1)
    b.hw = 1  # global average pool
    b.fc("fc", 1000, bias=True)
    return b.network(f"resnet{depth}", f"ResNet-{depth}: SOURCES.md §8 (external shapes)",
                     batch, other=2 * b.conv_outputs)


INCEPTION = {  # 1×1, 3×3 reduce, 3×3, 5×5 reduce, 5×5, pool projection (Szegedy et al.)
    "3a": (64, 96, 128, 16, 32, 32), "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64), "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64), "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128), "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


def googlenet(batch: int = 1) -> Network:
    """GoogLeNet (Inception v1) without auxiliary classifiers, 224×224 (Szegedy et al. 2015
    Table 1; external; S000 gives no shapes)."""
    b = _Builder(3, 224)
    b.conv("conv1", 64, 7, 2, 3).pool(3, 2, ceil=True)
    b.conv("conv2_reduce", 64, 1).conv("conv2", 192, 3, pad=1).pool(3, 2, ceil=True)
    for name, (c1, r3, c3, r5, c5, proj) in INCEPTION.items():
        channels = b.channels
        for branch in ((("1x1", c1, 1),), (("3x3_reduce", r3, 1), ("3x3", c3, 3)),
                       (("5x5_reduce", r5, 1), ("5x5", c5, 5)), (("pool_proj", proj, 1),)):
            b.channels = channels
            for suffix, out, kernel in branch:
                b.conv(f"inception_{name}/{suffix}", out, kernel, pad=kernel // 2)
        b.channels = c1 + c3 + c5 + proj
        if name in ("3b", "4e"):
            b.pool(3, 2, ceil=True)
    b.hw = 1  # global average pool
    b.fc("fc", 1000)
    return b.network("googlenet", "GoogLeNet: SOURCES.md §8 (external shapes)", batch)


# ---- transformers ---------------------------------------------------------------------------
@dataclass(frozen=True)
class TransformerShape:
    """One stack of identical blocks. ``glu``: gated FFN (SwiGLU: gate and up projections,
    Llama); ``rms``: RMSNorm (one scale per channel) instead of LayerNorm (scale and shift);
    ``bias``: projections have biases; ``causal``: decoder self-attention."""

    d_model: int
    heads: int
    d_ffn: int
    blocks: int
    causal: bool = False
    glu: bool = False
    rms: bool = False
    bias: bool = True
    activation: str = "gelu"


class _Stack:
    """Appends transformer layers for ``tokens`` queries per sample attending to ``keys``."""

    def __init__(self):
        self.layers: list[Layer] = []
        self.bias_layers: set[str] = set()

    def add(self, layer: Layer, bias: bool = False) -> _Stack:
        self.layers.append(layer)
        if bias:
            self.bias_layers.add(layer.name)
        return self

    def vector(self, name, kind, elements, op, read=None, parameters=0) -> _Stack:
        return self.add(Layer(name=name, kind=kind, elements=elements, op=op,
                              read_elements=read, parameters=parameters))

    def matmul(self, name, d_in, d_out, tokens, bias) -> _Stack:
        return self.add(Layer(name=name, kind="matmul", in_features=d_in, out_features=d_out,
                              columns=tokens), bias)

    def norm(self, name, shape: TransformerShape, tokens) -> _Stack:
        d = shape.d_model
        return self.vector(name, "norm", tokens * d, "rmsnorm" if shape.rms else "layernorm",
                           parameters=d if shape.rms else 2 * d)

    def block(self, name: str, shape: TransformerShape, tokens: int, keys: int) -> _Stack:
        """Pre- or post-norm is immaterial to the counts: two norms, two residual adds."""
        d, h = shape.d_model, shape.heads
        dh = d // h
        causal = shape.causal and tokens > 1
        self.norm(f"{name}.norm1", shape, tokens)
        self.matmul(f"{name}.attn.qkv", d, 3 * d, tokens, shape.bias)
        if keys > tokens:  # decode: this step's K and V appended to the cache
            self.vector(f"{name}.attn.kv_cache_write", "eltwise", 2 * tokens * d, "copy")
        self.add(Layer(name=f"{name}.attn.qk", kind="bmm", heads=h, rows=tokens, inner=dh,
                       columns=keys, causal="qk" if causal else None))
        self.vector(f"{name}.attn.softmax", "softmax", h * tokens * keys, "softmax")
        self.add(Layer(name=f"{name}.attn.av", kind="bmm", heads=h, rows=tokens, inner=keys,
                       columns=dh, causal="av" if causal else None))
        self.matmul(f"{name}.attn.out", d, d, tokens, shape.bias)
        self.vector(f"{name}.add1", "eltwise", tokens * d, "add", read=2 * tokens * d)
        self.norm(f"{name}.norm2", shape, tokens)
        f = shape.d_ffn
        self.matmul(f"{name}.ffn.up", d, (2 if shape.glu else 1) * f, tokens, shape.bias)
        self.vector(f"{name}.ffn.act", "eltwise", tokens * f, shape.activation,
                    read=(2 if shape.glu else 1) * tokens * f)
        self.matmul(f"{name}.ffn.down", f, d, tokens, shape.bias)
        return self.vector(f"{name}.add2", "eltwise", tokens * d, "add", read=2 * tokens * d)

    def blocks(self, shape: TransformerShape, tokens: int, keys: int | None = None) -> _Stack:
        for i in range(shape.blocks):
            self.block(f"block{i}", shape, tokens, keys or tokens)
        return self

    def network(self, name, source, batch, tied=()) -> Network:
        workload = Workload(name=name, source=source, batch=batch, layers=tuple(self.layers))
        return Network(workload, frozenset(self.bias_layers), tied_layers=frozenset(tied))


BERT_BASE = TransformerShape(768, 12, 3072, 12)
GPT2_SMALL = TransformerShape(768, 12, 3072, 12, causal=True)
VIT_B16 = TransformerShape(768, 12, 3072, 12)
LLAMA_7B = TransformerShape(4096, 32, 11008, 32, causal=True, glu=True, rms=True, bias=False,
                            activation="silu_mul")


def bert_base(batch: int = 1, seq: int = 128) -> Network:
    """BERT-base (Devlin et al., NAACL 2019: L=12, H=768, A=12; HF ``BertModel`` layout
    with the pooler): word (30522), position (512) and token-type (2) embeddings with their
    LayerNorm, 12 post-norm encoder blocks, the 768×768 tanh pooler on the first token."""
    d = BERT_BASE.d_model
    st = _Stack()
    st.vector("embed.word", "embedding", seq * d, "gather", parameters=30522 * d)
    st.vector("embed.position_type", "eltwise", seq * d, "add", read=3 * seq * d,
              parameters=(512 + 2) * d)
    st.norm("embed.norm", BERT_BASE, seq)
    st.blocks(BERT_BASE, seq)
    st.add(Layer(name="pooler", kind="fc", in_features=d, out_features=d), bias=True)
    return st.network(f"bert_base_s{seq}", f"BERT-base, sequence {seq}: Devlin et al. 2019 "
                      "(external shapes)", batch)


def gpt2_small(batch: int = 1, seq: int = 1024) -> Network:
    """GPT-2 small (Radford et al. 2019: 12 layers, d 768, 12 heads, context 1024; HF
    ``GPT2Model`` layout): token (50257) and position (1024) embeddings, 12 pre-norm causal
    blocks, the final LayerNorm and the LM head, whose weights are the token embedding's
    (tied: counted once)."""
    d = GPT2_SMALL.d_model
    st = _Stack()
    st.vector("embed.token", "embedding", seq * d, "gather", parameters=50257 * d)
    st.vector("embed.position", "eltwise", seq * d, "add", read=2 * seq * d,
              parameters=1024 * d)
    st.blocks(GPT2_SMALL, seq)
    st.norm("norm_f", GPT2_SMALL, seq)
    st.matmul("lm_head", d, 50257, seq, bias=False)
    return st.network(f"gpt2_small_s{seq}", f"GPT-2 small, sequence {seq}: Radford et al. "
                      "2019 (external shapes)", batch, tied=("lm_head",))


def vit_b16(batch: int = 1) -> Network:
    """ViT-B/16 at 224×224 (Dosovitskiy et al., ICLR 2021, Table 1; torchvision layout):
    16×16 patch conv (196 patches) + class token = 197 tokens, position embedding,
    12 pre-norm blocks, final LayerNorm, the class token's 1000-way head."""
    d, tokens = VIT_B16.d_model, 197
    st = _Stack()
    st.add(Layer(name="patch_embed", kind="conv", in_channels=3, out_channels=d,
                 kernel=(16, 16), stride=(16, 16), in_hw=(224, 224)), bias=True)
    st.vector("embed.position", "eltwise", tokens * d, "add", read=2 * tokens * d,
              parameters=tokens * d + d)  # position embedding and the class token
    st.blocks(VIT_B16, tokens)
    st.norm("norm_f", VIT_B16, tokens)
    st.add(Layer(name="head", kind="fc", in_features=d, out_features=1000), bias=True)
    return st.network("vit_b16", "ViT-B/16: Dosovitskiy et al. 2021 Table 1 (external)", batch)


def llama7b_block(batch: int = 1, seq: int = 2048, decode: bool = False) -> Network:
    """One decoder block at LLaMA-7B dimensions (Touvron et al. 2023, Table 2: d 4096,
    32 heads, 32 layers; SwiGLU FFN 11008, RMSNorm, no biases). ``decode``: one new token
    attending to a KV cache of ``seq`` earlier tokens (reads K and V of all seq + 1
    positions); otherwise the prefill of ``seq`` tokens."""
    tokens, keys = (1, seq + 1) if decode else (seq, seq)
    st = _Stack().block("block", LLAMA_7B, tokens, keys)
    mode = f"decode after {seq}" if decode else f"prefill {seq}"
    return st.network(f"llama7b_block_{'decode' if decode else 'prefill'}_{seq}",
                      f"LLaMA-7B decoder block, {mode}: Touvron et al. 2023 (external)", batch)


NETWORKS = {
    "caffenet": caffenet,
    "lenet5_caffe": lenet5_caffe,
    "lenet_300_100": lenet_300_100,
    "mlp7": mlp7,
    "cifar_convnet": cifar_convnet,
    "vgg_a": lambda batch=1: vgg_imagenet("A", batch),
    "vgg16": lambda batch=1: vgg_imagenet("D", batch),
    "vgg_c": lambda batch=1: vgg_cifar("C", batch=batch),
    "vgg_d": lambda batch=1: vgg_cifar("D", batch=batch),
    "vgg_like": lambda batch=1: vgg_cifar("like", batch=batch),
    "alexnet_s": lambda batch=1: alexnet_cifar(1, batch=batch),
    "alexnet_b": lambda batch=1: alexnet_cifar(2, batch=batch),
    "ptb_lstm": lambda batch=1: ptb_lstm(batch=batch),
    "resnet18": lambda batch=1: resnet_imagenet(18, batch),
    "resnet50": lambda batch=1: resnet_imagenet(50, batch),
    "googlenet": googlenet,
    "mobilenet_v2": mobilenet_v2,
    "bert_base": bert_base,
    "gpt2_small": gpt2_small,
    "vit_b16": vit_b16,
    "llama7b_block_prefill": llama7b_block,
    "llama7b_block_decode": lambda batch=1: llama7b_block(batch, decode=True),
}


def network(name: str, batch: int = 1) -> Network:
    """A zoo network by name (``NETWORKS``)."""
    return NETWORKS[name](batch=batch)
