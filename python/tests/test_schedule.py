import math

from star_trainer.schedule import learning_rate, lr_factor


def test_warms_up_linearly_then_stays_constant_when_end_lr_equals_lr():
    # The paper's runs: 1e-6 with 100 warm-up steps, constant after.
    rate = lambda step: learning_rate(step, lr=1e-6, end_lr=1e-6, warmup_steps=100, anneal_steps=300000)
    assert rate(0) == 0
    assert math.isclose(rate(50), 0.5e-6)
    assert math.isclose(rate(100), 1e-6)
    assert math.isclose(rate(5000), 1e-6)


def test_anneals_on_a_half_cosine_to_end_lr():
    rate = lambda step: learning_rate(step, lr=1.0, end_lr=0.1, warmup_steps=10, anneal_steps=100)
    assert math.isclose(rate(10), 1.0)
    assert math.isclose(rate(60), 0.55)
    assert math.isclose(rate(110), 0.1)
    assert math.isclose(rate(1000), 0.1)


def test_no_warmup_starts_at_the_full_rate():
    assert lr_factor(2e-5, 2e-5, 0, 10)(0) == 1.0
