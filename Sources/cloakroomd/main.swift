import CloakroomServer
import Foundation

exit(await CloakroomDaemon.main())
