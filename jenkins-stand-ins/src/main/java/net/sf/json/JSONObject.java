package net.sf.json;

import java.util.Set;

/** Reduced: the real class is a {@code Map<String, Object>} and a {@code JSON} with many more accessors. */
public final class JSONObject {
    public JSONObject() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public Set<String> keySet() {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public Object get(Object key) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public Object put(String key, Object value) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public String optString(String key, String defaultValue) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }

    public JSONObject optJSONObject(String key) {
        throw new UnsupportedOperationException("compile-only stand-in");
    }
}
