package dev.quanta.loader.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The key/value metadata of a GGUF file, in file order, with typed accessors whose errors name
 * the file, the key and the type found.
 */
public final class GgufMetadata {
    private final Path path;
    private final LinkedHashMap<String, GgufValue> kv;

    public GgufMetadata(Path path, LinkedHashMap<String, GgufValue> kv) {
        this.path = path;
        this.kv = kv;
    }

    public Map<String, GgufValue> asMap() {
        return Collections.unmodifiableMap(kv);
    }

    public boolean has(String key) {
        return kv.containsKey(key);
    }

    public GgufValue get(String key) {
        return kv.get(key);
    }

    private GgufValue require(String key) {
        GgufValue v = kv.get(key);
        if (v == null) throw new GgufException(path, "missing metadata key '" + key + "'");
        return v;
    }

    private GgufException wrongType(String key, GgufValue v, String wanted) {
        return new GgufException(path, "metadata key '" + key + "' is " + v.type() + ", expected " + wanted);
    }

    public String getString(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof String s) return s;
        throw wrongType(key, v, "STRING");
    }

    public Optional<String> optString(String key) {
        return has(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    /** Any integer type whose value fits in a long (UINT64 above 2^63 is rejected). */
    public long getLong(String key) {
        GgufValue v = require(key);
        if (!v.type().isInteger()) throw wrongType(key, v, "an integer");
        long x = ((Number) v.value()).longValue();
        if (v.type() == GgufValueType.UINT32) x = Integer.toUnsignedLong((Integer) v.value());
        if (v.type() == GgufValueType.UINT64 && x < 0) throw new GgufException(path, "metadata key '" + key + "' = " + Long.toUnsignedString(x) + " is out of range");
        return x;
    }

    /** Any integer type whose value fits in an int. */
    public int getInt(String key) {
        long x = getLong(key);
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) throw new GgufException(path, "metadata key '" + key + "' = " + x + " is out of range");
        return (int) x;
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    public long getLong(String key, long dflt) {
        return has(key) ? getLong(key) : dflt;
    }

    /** FLOAT32 or FLOAT64 (or an integer) as a float. */
    public float getFloat(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof Float f) return f;
        if (v.value() instanceof Double d) return d.floatValue();
        if (v.type().isInteger()) return getLong(key);
        throw wrongType(key, v, "FLOAT32");
    }

    public float getFloat(String key, float dflt) {
        return has(key) ? getFloat(key) : dflt;
    }

    public boolean getBool(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof Boolean b) return b;
        throw wrongType(key, v, "BOOL");
    }

    public boolean getBool(String key, boolean dflt) {
        return has(key) ? getBool(key) : dflt;
    }

    private GgufValue.GgufArray array(String key, GgufValueType... elementTypes) {
        GgufValue v = require(key);
        if (!(v.value() instanceof GgufValue.GgufArray a)) throw wrongType(key, v, "ARRAY");
        for (GgufValueType t : elementTypes) if (a.elementType() == t) return a;
        throw new GgufException(path, "metadata key '" + key + "' is an ARRAY of " + a.elementType() + ", expected " + java.util.Arrays.toString(elementTypes));
    }

    public String[] getStringArray(String key) {
        return (String[]) array(key, GgufValueType.STRING).data();
    }

    public float[] getFloatArray(String key) {
        GgufValue.GgufArray a = array(key, GgufValueType.FLOAT32, GgufValueType.FLOAT64);
        if (a.data() instanceof float[] f) return f;
        double[] d = (double[]) a.data();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    /** An array of 8/16/32-bit integers (unsigned 32-bit values above 2^31 come back negative). */
    public int[] getIntArray(String key) {
        return (int[]) array(key, GgufValueType.INT32, GgufValueType.UINT32, GgufValueType.INT8, GgufValueType.UINT8,
                GgufValueType.INT16, GgufValueType.UINT16).data();
    }

    /** {@code general.architecture}, the prefix of the model's hyperparameter keys. */
    public String architecture() {
        return getString("general.architecture");
    }
}
