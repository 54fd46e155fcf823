"""Zoo shapes against the published parameter and MAC counts (published.yaml)."""

import pytest

from accelsim.traces.zoo import NETWORKS, network, ptb_lstm
from accelsim.validate.published import published

PARAMS = published()["zoo_parameters"]
MACS = published()["zoo_macs"]


@pytest.mark.parametrize("name", sorted(PARAMS["exact"]))
def test_parameter_totals_exact(name):
    assert network(name).parameters == PARAMS["exact"][name]


@pytest.mark.parametrize("name", sorted(PARAMS["weights_exact"]))
def test_weight_totals_exact(name):
    assert network(name).weights == PARAMS["weights_exact"][name]


@pytest.mark.parametrize("name", sorted(PARAMS["rounded"]))
def test_counts_round_to_the_printed_value(name):
    target = PARAMS["rounded"][name]
    net = network(name)
    count = net.parameters if target["count"] == "parameters" else net.weights
    digits = len(str(target["value"]).split(".")[1]) if "." in str(target["value"]) else 0
    assert round(count / target["unit"], digits) == target["value"]


def test_googlenet_within_the_published_range():
    low, high = PARAMS["ranges"]["googlenet"]
    assert low <= network("googlenet").parameters <= high


def test_caffenet_fc8_share():
    net = network("caffenet")
    fc8 = net.workload.layer("fc8").weight_count + 1000
    assert round(100 * fc8 / net.parameters, 1) == PARAMS["caffenet_fc8_share_pct"]


@pytest.mark.parametrize("name", ["caffenet", "lenet5_caffe", "cifar_convnet", "vgg_a", "vgg16"])
def test_macs_per_image(name):
    assert network(name).macs_per_sample() == MACS[name]


def test_alexnet_s_macs_per_layer():
    layers = network("alexnet_s").workload.layers
    assert {layer.name: layer.dense_macs(1) for layer in layers} == MACS["alexnet_s_layers"]


@pytest.mark.parametrize("name", ["vgg_c", "vgg_d", "vgg_like"])
def test_cifar_vgg_macs(name):
    assert round(network(name).macs_per_sample() / 1e6, 1) == MACS["vgg_cifar_millions"][name]


def test_every_network_builds_valid_unique_layers():
    for name in NETWORKS:
        layers = network(name, batch=2).workload.layers
        assert len({layer.name for layer in layers}) == len(layers)
        assert all(layer.dense_macs(2) == 2 * layer.dense_macs(1) for layer in layers)


def test_resnet_and_googlenet_layer_counts():
    convs = lambda n: sum(layer.kind == "conv" for layer in network(n).workload.layers)
    assert convs("resnet18") == 17 + 3   # 17 convs + 3 projection shortcuts
    assert convs("resnet50") == 49 + 4
    assert convs("googlenet") == 3 + 9 * 6


@pytest.mark.parametrize("row", published()["s000_table2_5_iss"]["rows"])
def test_iss_mult_add_reductions(row):
    base = ptb_lstm(timesteps=1).multiply_adds_per_sample()
    iss = ptb_lstm(tuple(row["hidden"]), timesteps=1).multiply_adds_per_sample()
    assert round(base / iss, 2) == row["reduction"]
