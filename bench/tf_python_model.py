"""Python TensorFlow training the embedded model's shape: how fast TensorFlow itself is on this machine.

The same model and workload as bench/torch_model.py's training (pre-norm GPT-2 blocks, ReLU MLP of
4 x width, untied head; full Adam steps with the gradient clipped to norm 1 on batch x seq tokens),
run three ways: eager (op by op, as tfjs-node runs it), tf.function (one graph, Grappler-optimised,
run by TensorFlow's executor) and tf.function with XLA. Prints one JSON object of tokens/s.

Why it exists: bench/model.ts compares the embedded model on tfjs-node with PyTorch eager; this
says what the best TensorFlow can do with the same kernels library, so a gap can be put on the
binding (per-op dispatch from JavaScript) or on TensorFlow's kernels. Run by bench/tf-ceiling.sh.

Usage: python bench/tf_python_model.py --layers 2 --width 128 --heads 4 --vocab 288 --seq 256
       --batch 16 --steps 4 --threads 2
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def make_weights(a, rng):
    d = a.width

    def var(*shape):
        return tf.Variable(rng.normal(0, 0.02, shape).astype(np.float32))

    def norm():
        return tf.Variable(tf.ones(d)), tf.Variable(tf.zeros(d))

    w = {"wte": var(a.vocab, d), "wpe": var(a.seq, d), "head": var(d, a.vocab)}
    w["lnf.g"], w["lnf.b"] = norm()
    for l in range(a.layers):
        for name, shape in [("qkv", (d, 3 * d)), ("wo", (d, d)), ("w1", (d, 4 * d)), ("w2", (4 * d, d))]:
            w[f"{l}.{name}"] = var(*shape)
            w[f"{l}.{name}.b"] = tf.Variable(tf.zeros(shape[1]))
        w[f"{l}.ln1.g"], w[f"{l}.ln1.b"] = norm()
        w[f"{l}.ln2.g"], w[f"{l}.ln2.b"] = norm()
    return w


def forward(w, a, ids, mask):
    b, t = ids.shape
    dh = a.width // a.heads

    def ln(x, p):
        mean, var = tf.nn.moments(x, [-1], keepdims=True)
        return (x - mean) * tf.math.rsqrt(var + 1e-5) * w[f"{p}.g"] + w[f"{p}.b"]

    def dense(x, p):
        return tf.matmul(x, w[p]) + w[f"{p}.b"]

    x = tf.gather(w["wte"], ids) + w["wpe"][:t]
    for l in range(a.layers):
        h = tf.reshape(dense(ln(x, f"{l}.ln1"), f"{l}.qkv"), [b, t, 3, a.heads, dh])
        q, k, v = (tf.transpose(h[:, :, i], [0, 2, 1, 3]) for i in range(3))
        probs = tf.nn.softmax(tf.matmul(q, k, transpose_b=True) / dh**0.5 + mask)
        att = tf.reshape(tf.transpose(tf.matmul(probs, v), [0, 2, 1, 3]), [b, t, a.width])
        x = x + dense(att, f"{l}.wo")
        x = x + dense(tf.nn.relu(dense(ln(x, f"{l}.ln2"), f"{l}.w1")), f"{l}.w2")
    return tf.matmul(ln(x, "lnf"), w["head"])


def train_speed(a, mode):
    rng = np.random.default_rng(0)
    w = make_weights(a, rng)
    variables = list(w.values())
    opt = tf.keras.optimizers.Adam(1e-4)
    data = tf.constant(rng.integers(0, a.vocab, (a.batch, a.seq + 1)), tf.int32)
    mask = tf.constant(np.triu(np.full((a.seq, a.seq), -1e9, np.float32), 1))

    def step():
        with tf.GradientTape() as tape:
            logits = forward(w, a, data[:, :-1], mask)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(data[:, 1:], logits))
        grads, _ = tf.clip_by_global_norm(tape.gradient(loss, variables), 1.0)
        opt.apply_gradients(zip(grads, variables))
        return loss

    if mode != "eager":
        step = tf.function(step, jit_compile=(mode == "xla"))
    step()  # warm-up: tracing, graph optimisation, XLA compilation
    step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    loss.numpy()
    return a.steps * a.batch * a.seq / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser()
    for name, default in [("layers", 2), ("width", 128), ("heads", 4), ("vocab", 288), ("seq", 256),
                          ("batch", 16), ("steps", 4), ("threads", 2)]:
        p.add_argument(f"--{name}", type=int, default=default)
    a = p.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    out = {mode: train_speed(a, mode) for mode in ("eager", "function", "xla")}
    print(json.dumps({"train_tokens_per_s": out, "tensorflow": tf.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
