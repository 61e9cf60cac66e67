package dev.quanta.bench.e2e;

/** The statistics llama-bench reports: mean and sample standard deviation (n - 1; 0 for one sample). */
public final class Stats {
    private Stats() {}

    public static double mean(double[] v) {
        if (v.length == 0) return 0;
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    /** Sample standard deviation (Bessel's correction), 0 when there are fewer than two samples. */
    public static double stddev(double[] v) {
        if (v.length <= 1) return 0;
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }

    /** Tokens per second of each sample: {@code tokens / seconds}. */
    public static double[] tokensPerSecond(long[] samplesNs, int tokens) {
        double[] ts = new double[samplesNs.length];
        for (int i = 0; i < ts.length; i++) ts[i] = samplesNs[i] <= 0 ? 0 : 1e9 * tokens / samplesNs[i];
        return ts;
    }

    static double[] toDouble(long[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}
