"""Three models as users write them (issue 13), traced by the torch and ONNX tests and by the
README's "bring your own model" commands. Built with no arguments; inputs in INPUTS."""

import torch
from torch import nn

torch.manual_seed(0)


class ResNetLike(nn.Module):
    """Batch norm, a residual add, a depthwise-separable block and a dilated conv."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU())
        self.conv1 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.depthwise = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16, bias=False)
        self.pointwise = nn.Conv2d(16, 32, 1, bias=False)
        self.dilated = nn.Conv2d(32, 32, 3, padding=2, dilation=2)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.stem(x)
        x = torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))
        x = torch.relu(self.pointwise(self.depthwise(x)))
        x = torch.relu(self.dilated(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class TinyGPT(nn.Module):
    """A GPT in plain torch: token and position embeddings, causal attention written out
    (q @ kᵀ, masked_fill, softmax, @ v), GELU MLP, final LayerNorm and LM head."""

    def __init__(self, vocab=100, d=64, heads=4, layers=2, context=16):
        super().__init__()
        self.heads = heads
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Parameter(torch.zeros(1, context, d))
        self.blocks = nn.ModuleList(nn.ModuleDict({
            "ln1": nn.LayerNorm(d), "qkv": nn.Linear(d, 3 * d), "proj": nn.Linear(d, d),
            "ln2": nn.LayerNorm(d), "up": nn.Linear(d, 4 * d), "down": nn.Linear(4 * d, d),
        }) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.register_buffer("mask", torch.tril(torch.ones(context, context)).bool())

    def forward(self, idx):
        b, t = idx.shape
        x = self.tok(idx) + self.pos[:, :t]
        for blk in self.blocks:
            q, k, v = blk["qkv"](blk["ln1"](x)).split(x.shape[-1], dim=-1)
            q, k, v = (z.view(b, t, self.heads, -1).transpose(1, 2) for z in (q, k, v))
            att = (q @ k.transpose(-2, -1)) / k.shape[-1] ** 0.5
            att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(b, t, -1)
            x = x + blk["proj"](y)
            x = x + blk["down"](nn.functional.gelu(blk["up"](blk["ln2"](x))))
        return self.head(self.ln_f(x))


class EncoderLayer(nn.Module):
    """``nn.TransformerEncoderLayer`` (sequence first: input [64, 1, 256])."""

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(256, 8, 1024, dropout=0.0)

    def forward(self, x):
        return self.layer(x, is_causal=False)  # explicit: the ONNX exporter needs a bool


# input shape, dtype and batch of each model
INPUTS = {"ResNetLike": ((1, 3, 32, 32), "float32", 1), "TinyGPT": ((1, 16), "int64", 1),
          "EncoderLayer": ((64, 1, 256), "float32", 1)}
