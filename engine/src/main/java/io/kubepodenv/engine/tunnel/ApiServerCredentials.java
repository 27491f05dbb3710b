package io.kubepodenv.engine.tunnel;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The request headers each port-forward upgrade carries (credentials included), and their renewal after the API
 * server refused them. Either a fixed copy ({@link #fixed}) or a Kubernetes client's interceptors, which renew an
 * expired token the way the client does for its own requests.
 */
interface ApiServerCredentials {

    /** The headers to send with a request to {@code uri}. */
    Map<String, List<String>> headers(URI uri);

    /**
     * After the server answered {@code status} (401) to a request for {@code uri}: obtains new credentials if this
     * source can.
     *
     * @return whether new credentials were obtained, i.e. whether one retry makes sense
     */
    boolean renew(URI uri, int status, Duration timeout);

    /** The headers of {@code access}, never renewed. */
    static ApiServerCredentials fixed(ApiServerAccess access) {
        Map<String, List<String>> headers = access.headers();
        return new ApiServerCredentials() {
            @Override
            public Map<String, List<String>> headers(URI uri) {
                return headers;
            }

            @Override
            public boolean renew(URI uri, int status, Duration timeout) {
                return false;
            }
        };
    }
}
