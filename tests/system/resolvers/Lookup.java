// Lookup.java -- Java's resolver (InetAddress.getAllByName, which goes
// through the C library's getaddrinfo and so /etc/resolv.conf) on each
// name given; used by tests/system/test_resolvers.py.
//
//   java Lookup.java NAME...    (or javac, then java -cp DIR Lookup NAME...)
//
// Prints one line per name: the name, a tab, then the addresses joined by
// commas, or the exception's class name when the look-up failed.
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.Security;

public class Lookup {
    public static void main(String[] args) {
        // Every look-up asks the server: no positive or negative cache.
        Security.setProperty("networkaddress.cache.ttl", "0");
        Security.setProperty("networkaddress.cache.negative.ttl", "0");
        for (String name : args) {
            StringBuilder line = new StringBuilder(name).append('\t');
            try {
                InetAddress[] all = InetAddress.getAllByName(name);
                for (int i = 0; i < all.length; i++) {
                    if (i > 0) {
                        line.append(',');
                    }
                    line.append(all[i].getHostAddress());
                }
            } catch (UnknownHostException e) {
                line.append(e.getClass().getSimpleName());
            }
            System.out.println(line);
        }
    }
}
