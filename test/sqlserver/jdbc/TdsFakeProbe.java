import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;

/**
 * Drives the TDS fake (test/fakes/tds-server.ts) with Microsoft's JDBC driver, a second client
 * written independently of tedious: login, a prepared statement with typed parameters, a result
 * set, a server error and a transaction. Prints one line per step for the test to check.
 * Usage: java -cp mssql-jdbc.jar TdsFakeProbe.java <port>
 */
public class TdsFakeProbe {
  public static void main(String[] args) throws Exception {
    String url = "jdbc:sqlserver://127.0.0.1:" + args[0]
        + ";databaseName=app;user=sa;password=pw;encrypt=false;loginTimeout=10";
    try (Connection connection = DriverManager.getConnection(url)) {
      System.out.println("connected");
      try (PreparedStatement statement = connection.prepareStatement("SELECT probe WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ? AND f = ?")) {
        statement.setString(1, "héllo");
        statement.setLong(2, 9007199254740993L);
        statement.setInt(3, -7);
        statement.setBoolean(4, true);
        statement.setBigDecimal(5, new BigDecimal("-1234.50"));
        statement.setNull(6, Types.NVARCHAR);
        try (ResultSet rows = statement.executeQuery()) {
          while (rows.next()) {
            System.out.println("row " + rows.getString(1) + "|" + rows.getInt(2) + "|" + rows.getLong(3) + "|" + rows.getBoolean(4));
          }
        }
      }
      try (Statement statement = connection.createStatement()) {
        statement.execute("SELECT fails");
      } catch (SQLException error) {
        System.out.println("error " + error.getErrorCode() + " " + error.getMessage());
      }
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        statement.execute("UPDATE inside");
      }
      connection.commit();
      System.out.println("done");
    }
  }
}
