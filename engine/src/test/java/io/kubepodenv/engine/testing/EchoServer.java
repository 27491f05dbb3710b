package io.kubepodenv.engine.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;

/** A TCP server on the loopback address that sends back whatever each connection sends, until closed. */
public final class EchoServer implements AutoCloseable {
    private final ServerSocket server;

    private EchoServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "echo-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static EchoServer start() throws IOException {
        return new EchoServer();
    }

    public SocketAddress address() {
        return server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            Thread echo = new Thread(() -> {
                try (s) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException ignored) {
                    // the other side ended the connection
                }
            }, "echo");
            echo.setDaemon(true);
            echo.start();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
