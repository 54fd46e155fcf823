"""Transformer zoo entries against published counts (parameters: published.yaml; MACs: the
Kaplan et al. 2020 Table 1 per-token rule, derived here by hand)."""

import pytest

from accelsim.traces.zoo import llama7b_block, network
from accelsim.validate.published import published

GMACS = published()["zoo_macs"]["torchvision_gmacs"]


@pytest.mark.parametrize("name", sorted(GMACS))
def test_cnn_and_vit_macs_match_torchvision(name):
    assert round(network(name).macs_per_sample() / 1e9, 2) == GMACS[name]


def _kinds(net):
    out = {}
    for layer in net.workload.layers:
        out[layer.kind] = out.get(layer.kind, 0) + layer.dense_macs(1)
    return out


def test_gpt2_macs_follow_the_per_token_rule():
    # Kaplan et al. 2020 Table 1: non-embedding N = 2·d·L·(2·d_attn + d_ff) MACs per token
    # (qkv 3d² + out d² + ffn 2·d·d_ff per layer), attention 2·L·n_ctx·d per token (Q·Kᵀ and
    # A·V computed in full), plus the tied LM head d × vocab.
    d, layers, ctx, ffn, vocab = 768, 12, 1024, 3072, 50257
    n = 2 * d * layers * (2 * d + ffn)
    assert n == 84_934_656
    macs = _kinds(network("gpt2_small"))
    assert macs["matmul"] == ctx * (n + d * vocab)
    assert macs["bmm"] == ctx * 2 * layers * ctx * d


def test_bert_base_macs_at_sequence_128():
    d, layers, seq, ffn = 768, 12, 128, 3072
    macs = _kinds(network("bert_base"))
    assert macs["matmul"] == seq * 2 * d * layers * (2 * d + ffn)
    assert macs["bmm"] == seq * 2 * layers * seq * d
    assert macs["fc"] == d * d  # pooler on the first token


def test_llama_block_prefill_and_decode():
    # LLaMA-7B: d 4096, SwiGLU 11008 (3 matrices), no biases; 6,738,415,616 parameters
    # (Touvron et al. 2023 "6.7B"; HF LlamaForCausalLM) = 32 blocks + 2 × 32000 × 4096
    # (embedding and untied head) + 4096 (final RMSNorm)
    d, f = 4096, 11008
    prefill, decode = llama7b_block(seq=2048), llama7b_block(seq=2048, decode=True)
    assert prefill.parameters == 4 * d * d + 3 * d * f + 2 * d
    assert 32 * prefill.parameters + 2 * 32000 * d + d == 6_738_415_616
    per_token = 4 * d * d + 3 * d * f
    assert prefill.macs_per_sample() == 2048 * per_token + 2 * 2048 * 2048 * d
    assert decode.macs_per_sample() == per_token + 2 * 2049 * d
    # the decode step reads the whole KV cache: K and V of 2049 positions, fp16
    qk = decode.workload.layer("block.attn.qk")
    assert qk.inner * qk.columns * qk.heads == 128 * 2049 * 32
    causal = prefill.workload.layer("block.attn.qk")
    assert causal.causal_fraction == pytest.approx((2048 + 1) / (2 * 2048))
